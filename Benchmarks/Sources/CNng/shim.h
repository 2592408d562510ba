// nng's C API (Debian's libnng-dev), for the socket benchmarks: the library, and the push0,
// pull0, req0, rep0, pub0, sub0, surveyor0 and respondent0 protocols, and TLS configuration.
// nng 1.5 registers its transports (inproc, ipc, tcp, ws, and tls+tcp and wss: Debian builds it
// with mbedtls) itself.
#ifndef STARLING_BENCHMARKS_CNNG_SHIM_H
#define STARLING_BENCHMARKS_CNNG_SHIM_H

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>
#include <nng/supplemental/tls/tls.h>

#endif
