#!/usr/bin/env python3
"""A real nng peer using contexts (pynng, which bundles nng 1.11), for Starling's interop tests.

    context_peer.py PROTOCOL ROLE URL COUNT

PROTOCOL is Req0, Rep0, Surveyor0 or Respondent0; ROLE is `dial` or `listen` (with a tcp URL
ending in :0 the chosen port is printed first as `PORT n`). The peer opens COUNT contexts.

- Rep0 / Respondent0: each context receives one request (survey); once all COUNT have arrived,
  they answer in the reverse order of arrival with b"re:" + request, so replies go back out of
  order. Prints `RECV <hex>` per request.
- Req0 / Surveyor0: every context sends b"q<i>" at the same time and waits for its answer.
  Prints `MATCH <i>` when context i got b"re:q<i>", `MISMATCH <i> <hex>` otherwise.

Then `DONE`, and it waits for a line (or end of file) on stdin before it exits.
"""
import socket
import sys
import threading

import pynng

PRINT_LOCK = threading.Lock()


def say(line: str) -> None:
    """Prints one event line; threads print whole lines, never interleaved."""
    with PRINT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main() -> int:
    proto, role, url, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    timeout = 60_000
    sock = getattr(pynng, proto)(recv_timeout=timeout, send_timeout=timeout)
    if proto == "Surveyor0":
        sock.survey_time = 5_000
    with sock:
        if role == "listen":
            listener = sock.listen(url)
            if url.startswith("tcp") and url.endswith(":0"):
                # pynng reports the port in network byte order.
                print(f"PORT {socket.ntohs(listener.local_address.port)}", flush=True)
        else:
            sock.dial(url, block=True)
        connected = threading.Event()
        sock.add_post_pipe_connect_cb(lambda pipe: connected.set())
        print("READY", flush=True)
        if proto == "Surveyor0" and not sock.pipes and not connected.wait(10):
            # A survey sent before anyone is connected goes nowhere.
            print("no peer connected", file=sys.stderr)
            return 1
        contexts = [sock.new_context() for _ in range(count)]
        lock = threading.Lock()

        if proto in ("Rep0", "Respondent0"):
            arrived = []

            def serve(context):
                request = context.recv()
                with lock:
                    arrived.append((context, request))
                say(f"RECV {request.hex()}")

            threads = [threading.Thread(target=serve, args=(c,)) for c in contexts]
        else:

            def ask(i, context):
                request = f"q{i}".encode()
                context.send(request)
                answer = context.recv()
                if answer == b"re:" + request:
                    say(f"MATCH {i}")
                else:
                    say(f"MISMATCH {i} {answer.hex()}")

            threads = [threading.Thread(target=ask, args=(i, c)) for i, c in enumerate(contexts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if proto in ("Rep0", "Respondent0"):
            for context, request in reversed(arrived):
                context.send(b"re:" + request)
        print("DONE", flush=True)
        sys.stdin.readline()
        for context in contexts:
            context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
