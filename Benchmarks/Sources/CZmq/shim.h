// libzmq's C API (Debian's libzmq3-dev), for the socket benchmarks.
#ifndef STARLING_BENCHMARKS_CZMQ_SHIM_H
#define STARLING_BENCHMARKS_CZMQ_SHIM_H

#include <zmq.h>

#endif
