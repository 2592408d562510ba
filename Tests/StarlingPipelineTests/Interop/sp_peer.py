#!/usr/bin/env python3
"""A real nng peer (pynng) driven line by line, for the socket module tests.

    sp_peer.py PROTOCOL ROLE URL

PROTOCOL is a pynng socket name (Push0, Pull0, Pub0, Sub0, Req0, Rep0, Surveyor0,
Respondent0, Pair0, Pair1, Bus0). ROLE is `dial` or `listen`; listening on a tcp URL with
port 0 prints `PORT n` first. Then `READY`, and one command per line on stdin:

    wait            wait until a peer is connected, print CONNECTED
    send TEXT       send TEXT, print SENT
    recv            receive one message, print RECV <text> (or TIMEOUT)
    reply PREFIX    receive one message, print RECV <text>, answer PREFIX + text
    survey TEXT     send TEXT, print RECV <text> for every answer until the deadline, then END
    quit            close the socket and exit (so does end of file)

Sub0 subscribes to everything. Every wait is bounded (PEER_TIMEOUT_MS, 60 s by default).
"""
import os
import re
import socket
import sys
import threading

import pynng


def main() -> int:
    proto, role, url = sys.argv[1], sys.argv[2], sys.argv[3]
    timeout = int(os.environ.get("PEER_TIMEOUT_MS", "60000"))
    sock = getattr(pynng, proto)(recv_timeout=timeout, send_timeout=timeout)
    connected = threading.Event()
    sock.add_post_pipe_connect_cb(lambda pipe: connected.set())
    with sock:
        if proto == "Sub0":
            sock.subscribe(b"")
        if proto == "Surveyor0":
            # A safety net, not a test of time: a loaded machine once kept the pipeline from
            # answering within 5 s. Tests wait for the answer, never for the END.
            sock.survey_time = 60000
        if role == "listen":
            listener = sock.listen(url)
            if re.match(r"^tcp[46]?://[^/]*:0$", url):
                # pynng reports the port in network byte order.
                print(f"PORT {socket.ntohs(listener.local_address.port)}", flush=True)
        else:
            sock.dial(url, block=True)
        print("READY", flush=True)
        for line in sys.stdin:
            command, _, argument = line.rstrip("\n").partition(" ")
            try:
                if command == "wait":
                    if not connected.wait(timeout / 1000):
                        print("TIMEOUT", flush=True)
                        continue
                    print("CONNECTED", flush=True)
                elif command == "send":
                    sock.send(argument.encode())
                    print("SENT", flush=True)
                elif command == "recv":
                    print(f"RECV {sock.recv().decode(errors='replace')}", flush=True)
                elif command == "reply":
                    body = sock.recv()
                    print(f"RECV {body.decode(errors='replace')}", flush=True)
                    sock.send(argument.encode() + body)
                elif command == "survey":
                    sock.send(argument.encode())
                    try:
                        while True:
                            print(f"RECV {sock.recv().decode(errors='replace')}", flush=True)
                    except (pynng.Timeout, pynng.BadState):
                        pass
                    print("END", flush=True)
                elif command == "quit":
                    break
                else:
                    print(f"unknown command {command}", file=sys.stderr, flush=True)
                    return 2
            except pynng.Timeout:
                print("TIMEOUT", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
