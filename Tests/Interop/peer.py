#!/usr/bin/env python3
"""A real nng peer (pynng, which bundles nng) for Starling's interop tests.

    peer.py PROTOCOL ROLE URL COUNT

PROTOCOL is a pynng socket name (Req0, Rep0, Push0, Pull0, Pair0, Pair1, Pair1poly, ...).
ROLE is `dial` or `listen`. With `listen` and a tcp, tls+tcp or ws(s) URL with port 0, the
chosen port is printed first as `PORT n`.

tls+tcp and wss URLs take their TLS settings from the environment (PEM file paths):
PEER_TLS_CERT and PEER_TLS_KEY (own certificate; required to listen), PEER_TLS_CA (the
authority to trust), PEER_TLS_SERVER_NAME (what a dialer checks) and PEER_TLS_AUTH (none,
optional or required; nng's default is required for dialers, none for listeners).

Every other line on stdout is one event:

    READY              the socket is dialed / listening
    RECV <hex>         a message arrived (body in hex)
    SENT <hex>         a message was sent
    DONE               the script finished its COUNT messages; it then waits for a line
                       (or end of file) on stdin before it closes its socket and exits

Behaviour by protocol: Rep0 and Respondent0 answer COUNT requests with b"re:" + request;
Req0 (and Surveyor0) sends COUNT requests b"q<i>" and prints each reply; Push0 sends COUNT messages b"m<i>";
Pull0 prints COUNT messages; Pair0/Pair1 receive COUNT messages and echo each back with
b"re:" prefixed; Pair1poly does the same on a polyamorous pair1 socket. Pub0 waits for a
subscriber to connect, then publishes 2*COUNT messages alternating b"a:<i>" and b"b:<i>";
Sub0 subscribes to b"a:" and prints COUNT messages. Bus0 receives COUNT messages and echoes
each with b"re:" prefixed.
"""
import os
import re
import socket
import sys
import threading
import time

import pynng


def main() -> int:
    proto, role, url, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    # Every wait is bounded; PEER_TIMEOUT_MS raises the bound for slow runs (ThreadSanitizer).
    timeout = int(os.environ.get("PEER_TIMEOUT_MS", "60000"))
    if proto == "Pair1poly":
        sock = pynng.Pair1(polyamorous=True, recv_timeout=timeout, send_timeout=timeout)
    else:
        sock = getattr(pynng, proto)(recv_timeout=timeout, send_timeout=timeout)
    with sock:
        if url.startswith(("tls+tcp", "wss")):
            sock.tls_config = tls_config(role)
        if role == "listen":
            listener = sock.listen(url)
            if re.match(r"^(tcp|tls\+tcp|wss?)[46]?://[^/]*:0(/.*)?$", url):
                # pynng reports the port in network byte order.
                print(f"PORT {socket.ntohs(listener.local_address.port)}", flush=True)
        else:
            # A loaded machine can make the first attempt fail (a WebSocket upgrade that takes
            # too long): try again until the timeout, as a dialer in the background would.
            deadline = time.monotonic() + timeout / 1000
            while True:
                try:
                    sock.dial(url, block=True)
                    break
                except pynng.NNGException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        if proto == "Sub0":
            sock.subscribe(b"a:")
        print("READY", flush=True)
        if proto in ("Pub0", "Surveyor0"):
            # A publication or survey sent before anyone is connected goes nowhere.
            connected = threading.Event()
            sock.add_post_pipe_connect_cb(lambda pipe: connected.set())
            if not sock.pipes and not connected.wait(10):
                print("no peer connected", file=sys.stderr)
                return 1
        if proto == "Pub0":
            for i in range(2 * count):
                body = f"{'ab'[i % 2]}:{i}".encode()
                sock.send(body)
                print(f"SENT {body.hex()}", flush=True)
            count = 0
        for i in range(count):
            if proto in ("Rep0", "Respondent0", "Pair0", "Pair1", "Pair1poly", "Bus0"):
                message = sock.recv_msg()
                print(f"RECV {message.bytes.hex()}", flush=True)
                reply = b"re:" + message.bytes
                if proto == "Pair1poly":
                    message.pipe.send(reply)
                else:
                    sock.send(reply)
                print(f"SENT {reply.hex()}", flush=True)
            elif proto in ("Req0", "Surveyor0"):
                request = f"q{i}".encode()
                sock.send(request)
                print(f"SENT {request.hex()}", flush=True)
                print(f"RECV {sock.recv().hex()}", flush=True)
            elif proto == "Push0":
                body = f"m{i}".encode()
                sock.send(body)
                print(f"SENT {body.hex()}", flush=True)
            elif proto in ("Pull0", "Sub0"):
                print(f"RECV {sock.recv().hex()}", flush=True)
            else:
                print(f"unknown protocol {proto}", file=sys.stderr)
                return 2
        print("DONE", flush=True)
        # Keep the socket open (so the last message can leave) until the test says it is done.
        sys.stdin.readline()
    return 0


def tls_config(role: str) -> "pynng.TLSConfig":
    """The TLS configuration the PEER_TLS_* environment variables describe."""

    def read(name: str):
        path = os.environ.get(name)
        if not path:
            return None
        with open(path) as f:
            return f.read()

    auth = {
        "none": pynng.TLSConfig.AUTH_MODE_NONE,
        "optional": pynng.TLSConfig.AUTH_MODE_OPTIONAL,
        "required": pynng.TLSConfig.AUTH_MODE_REQUIRED,
    }.get(os.environ.get("PEER_TLS_AUTH", ""))
    mode = pynng.TLSConfig.MODE_SERVER if role == "listen" else pynng.TLSConfig.MODE_CLIENT
    return pynng.TLSConfig(
        mode,
        server_name=os.environ.get("PEER_TLS_SERVER_NAME"),
        ca_string=read("PEER_TLS_CA"),
        own_key_string=read("PEER_TLS_KEY"),
        own_cert_string=read("PEER_TLS_CERT"),
        auth_mode=auth,
    )


if __name__ == "__main__":
    sys.exit(main())
