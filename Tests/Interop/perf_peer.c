// The other side of `starling bench local_lat|remote_lat|local_thr|remote_thr`, played by the
// real nng (Debian's libnng-dev), the way nng's perf tool plays it: pair1, the same messages in
// the same order, the same printed lines. Built and run by StarlingCommandTests.
//
// Three things differ from perf, for the test's sake: a listener says "LISTENING" on stderr once
// it listens (so the test can start the other side), a dialer dials in the background
// (NNG_FLAG_NONBLOCK) instead of failing when the other side is not listening yet, and the wait
// before closing is 1 s instead of 100 ms (nng drops what is still queued at close, and a test
// machine running tests in parallel can be slow).
//
//     perf_peer ROLE URL SIZE COUNT      (ROLE: local_lat remote_lat local_thr remote_thr)

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/supplemental/util/platform.h>

static void check(int rv, const char *what) {
    if (rv != 0) {
        fprintf(stderr, "%s: %s\n", what, nng_strerror(rv));
        exit(2);
    }
}

static void expect_size(nng_msg *msg, size_t size) {
    if (nng_msg_len(msg) != size) {
        fprintf(stderr, "wrong message size: %d != %d\n", (int) nng_msg_len(msg), (int) size);
        exit(2);
    }
}

static void listen_at(nng_socket s, const char *url) {
    check(nng_listen(s, url, NULL, 0), "nng_listen");
    fprintf(stderr, "LISTENING\n");
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: perf_peer ROLE URL SIZE COUNT\n");
        return 2;
    }
    const char *role = argv[1];
    const char *url = argv[2];
    size_t size = (size_t) atol(argv[3]);
    int count = atoi(argv[4]);
    nng_socket s;
    nng_msg *msg;
    check(nng_pair1_open(&s), "nng_pair1_open");

    if (strcmp(role, "local_lat") == 0) {
        listen_at(s, url);
        for (int i = 0; i < count; i++) {
            check(nng_recvmsg(s, &msg, 0), "nng_recvmsg");
            expect_size(msg, size);
            check(nng_sendmsg(s, msg, 0), "nng_sendmsg");
        }
        nng_msleep(1000);
    } else if (strcmp(role, "remote_lat") == 0) {
        check(nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK), "nng_dial");
        check(nng_msg_alloc(&msg, size), "nng_msg_alloc");
        nng_time start = nng_clock();
        for (int i = 0; i < count; i++) {
            check(nng_sendmsg(s, msg, 0), "nng_sendmsg");
            check(nng_recvmsg(s, &msg, 0), "nng_recvmsg");
        }
        nng_time end = nng_clock();
        nng_msg_free(msg);
        float total = (float) (end - start) / 1000;
        printf("total time: %.3f [s]\n", total);
        printf("message size: %d [B]\n", (int) size);
        printf("round trip count: %d\n", count);
        printf("average latency: %.3f [us]\n", (total * 1000000) / (count * 2));
    } else if (strcmp(role, "local_thr") == 0) {
        check(nng_socket_set_int(s, NNG_OPT_RECVBUF, 128), "nng_socket_set_int");
        listen_at(s, url);
        check(nng_recvmsg(s, &msg, 0), "nng_recvmsg");
        nng_msg_free(msg);
        nng_time start = nng_clock();
        for (int i = 0; i < count; i++) {
            check(nng_recvmsg(s, &msg, 0), "nng_recvmsg");
            expect_size(msg, size);
            nng_msg_free(msg);
        }
        nng_time end = nng_clock();
        float total = (float) (end - start) / 1000;
        float rate = total > 0 ? (float) count / total : 0;
        printf("total time: %.3f [s]\n", total);
        printf("message size: %d [B]\n", (int) size);
        printf("message count: %d\n", count);
        printf("throughput: %.f [msg/s]\n", rate);
        printf("throughput: %.3f [Mb/s]\n", rate * 8 * size / (1024 * 1024));
    } else if (strcmp(role, "remote_thr") == 0) {
        check(nng_socket_set_int(s, NNG_OPT_SENDBUF, 128), "nng_socket_set_int");
        check(nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK), "nng_dial");
        check(nng_msg_alloc(&msg, 0), "nng_msg_alloc");
        check(nng_sendmsg(s, msg, 0), "nng_sendmsg");
        for (int i = 0; i <= count; i++) {
            check(nng_msg_alloc(&msg, size), "nng_msg_alloc");
            check(nng_sendmsg(s, msg, 0), "nng_sendmsg");
        }
        nng_msleep(1000);
    } else {
        fprintf(stderr, "unknown role %s\n", role);
        return 2;
    }
    nng_close(s);
    return 0;
}
