"""Real peers for the tests of `starling run` in production: an HTTP(S) sink, TLS clients and a
TLS server, and a line client that keeps sending through reloads.

    ops_peer.py http-sink [--fail N] [--status CODE] [--hold N] [--cert C --key K]
        Answers POSTs: the first N with 503 (or --status), then 200. With --hold N it holds
        requests until N are waiting at once, then answers them all (proves they came side by
        side). Prints "listening PORT", then "POST PATH BODY" for each request it answers 200.
    ops_peer.py client PORT [--ca CA [--cert C --key K]] [--line TEXT]...
        Connects (with TLS, verifying the server against CA for localhost, when CA is given),
        sends each line, reads one answer line per line sent and prints it. On a failed
        handshake prints "handshake failed: REASON" and exits 3.
    ops_peer.py tls-server --cert C --key K
        Serves TLS on 127.0.0.1:0, prints "listening PORT", then each line a client sends.
    ops_peer.py make-certs DIR
        Makes ca.crt/key, server.crt/key (localhost, 127.0.0.1, signed by ca), client.crt/key
        (signed by ca) and stranger.crt/key (a client signed by another authority) with openssl.
    ops_peer.py line-client PORT
        Sends numbered lines, one at a time, each waiting for its answer; a connection that
        ends (a reload closing it) is opened again and the unanswered line sent again. Stops at
        end of standard input and prints a JSON summary: answered, refused, reconnects, and
        the answers that were not the line sent.
    ops_peer.py post-client PORT
        POSTs numbered bodies ("1", "2" …) on one keep-alive connection, one at a time; each
        answered 202 was accepted. A request the server closes the connection on without an
        answer (a reload) is sent again, with the same number, on a new connection. Prints
        "accepted N" every 50; stops at end of standard input and prints a JSON summary:
        accepted, refused (connections), resent, and answers other than 202.
"""

import argparse
import http.client
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import threading


def http_sink(args):
    lock = threading.Condition()
    state = {"seen": 0, "waiting": 0, "released": False}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                state["seen"] += 1
                number = state["seen"]
                if args.hold and not state["released"]:
                    state["waiting"] += 1
                    if state["waiting"] >= args.hold:
                        state["released"] = True
                        lock.notify_all()
                    while not state["released"]:
                        lock.wait()
            status = args.status if number <= args.fail else 200
            if status == 200:
                # One write per line, under the lock: print() from several threads can
                # interleave a line with another's newline.
                with lock:
                    sys.stdout.write(f"POST {self.path} {body.decode()}\n")
                    sys.stdout.flush()
            text = b"ok" if status == 200 else b"not now"
            self.send_response(status)
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


def client(args):
    try:
        connection = socket.create_connection(("127.0.0.1", args.port), timeout=20)
        if args.ca:
            context = ssl.create_default_context(cafile=args.ca)
            if args.cert:
                context.load_cert_chain(args.cert, args.key)
            connection = context.wrap_socket(connection, server_hostname="localhost")
        # TLS 1.3 reports a refused client certificate only when the server's alert is read.
        connection.sendall("".join(line + "\n" for line in args.line).encode())
        reader = connection.makefile("r")
        for _ in args.line:
            answer = reader.readline()
            if not answer:
                print("handshake failed: the server closed the connection", flush=True)
                sys.exit(3)
            print(answer.rstrip("\n"), flush=True)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as error:
        print(f"handshake failed: {error}", flush=True)
        sys.exit(3)


def tls_server(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"listening {listener.getsockname()[1]}", flush=True)
    while True:
        raw, _ = listener.accept()
        try:
            with context.wrap_socket(raw, server_side=True) as connection:
                for line in connection.makefile("r"):
                    print(line.rstrip("\n"), flush=True)
        except (ssl.SSLError, OSError) as error:
            print(f"handshake failed: {error}", flush=True)


def line_client(args):
    summary = {"answered": 0, "refused": 0, "reconnects": 0, "wrong": []}
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    number = 0
    connection = None
    reader = None
    while not stop.is_set():
        if connection is None:
            try:
                connection = socket.create_connection(("127.0.0.1", args.port), timeout=30)
                reader = connection.makefile("r")
            except ConnectionRefusedError:
                summary["refused"] += 1
                connection = None
                continue
        line = f"line {number + 1}"
        try:
            connection.sendall((line + "\n").encode())
            answer = reader.readline()
        except (ConnectionResetError, BrokenPipeError):
            answer = ""
        if not answer:
            # The server closed the connection (a reload): the line was not accepted.
            summary["reconnects"] += 1
            connection.close()
            connection = None
            continue
        if answer.rstrip("\n") != line:
            summary["wrong"].append([line, answer.rstrip("\n")])
        number += 1
        summary["answered"] = number
        if number % 50 == 0:
            print(f"answered {number}", flush=True)
    print(json.dumps(summary), flush=True)


def post_client(args):
    summary = {"accepted": 0, "refused": 0, "resent": 0, "other": []}
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    connection = None
    number = 1
    while not stop.is_set():
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        try:
            connection.request("POST", "/", body=str(number).encode(), headers={"content-type": "text/plain"})
            response = connection.getresponse()
            status = response.status
            response.read()
        except ConnectionRefusedError:
            summary["refused"] += 1
            connection = None
            continue
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # Closed without an answer: not accepted; the same number again.
            summary["resent"] += 1
            connection.close()
            connection = None
            continue
        if status != 202:
            summary["other"].append([number, status])
            if len(summary["other"]) >= 100:
                break
            continue
        summary["accepted"] = number
        if number % 50 == 0:
            print(f"accepted {number}", flush=True)
        number += 1
    print(json.dumps(summary), flush=True)


def make_certs(args):
    def openssl(*arguments):
        subprocess.run(["openssl", *arguments], check=True, capture_output=True)

    def path(name, kind):
        return os.path.join(args.directory, f"{name}.{kind}")

    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for authority, common in [("ca", "Ops Test CA"), ("other", "Ops Other CA")]:
        openssl("req", "-x509", *curve, "-keyout", path(authority, "key"), "-out", path(authority, "crt"),
                "-subj", f"/CN={common}", "-days", "2")
    for name, authority, names in [("server", "ca", "DNS:localhost,IP:127.0.0.1"),
                                   ("client", "ca", "DNS:client.example"),
                                   ("stranger", "other", "DNS:client.example")]:
        extensions = path(name, "ext")
        with open(extensions, "w") as file:
            file.write(f"subjectAltName={names}\nbasicConstraints=CA:FALSE\n")
        openssl("req", *curve, "-keyout", path(name, "key"), "-out", path(name, "csr"), "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", path(name, "csr"), "-CA", path(authority, "crt"), "-CAkey",
                path(authority, "key"), "-CAcreateserial", "-out", path(name, "crt"), "-days", "2",
                "-extfile", extensions)
    print("made", flush=True)


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    sink = commands.add_parser("http-sink")
    sink.add_argument("--fail", type=int, default=0)
    sink.add_argument("--status", type=int, default=503)
    sink.add_argument("--hold", type=int, default=0)
    sink.add_argument("--cert")
    sink.add_argument("--key")
    client_parser = commands.add_parser("client")
    client_parser.add_argument("port", type=int)
    client_parser.add_argument("--ca")
    client_parser.add_argument("--cert")
    client_parser.add_argument("--key")
    client_parser.add_argument("--line", action="append", default=[])
    server = commands.add_parser("tls-server")
    server.add_argument("--cert", required=True)
    server.add_argument("--key", required=True)
    lines = commands.add_parser("line-client")
    lines.add_argument("port", type=int)
    posts = commands.add_parser("post-client")
    posts.add_argument("port", type=int)
    certs = commands.add_parser("make-certs")
    certs.add_argument("directory")
    args = parser.parse_args()
    commands = {"http-sink": http_sink, "client": client, "tls-server": tls_server,
                "line-client": line_client, "post-client": post_client, "make-certs": make_certs}
    commands[args.command](args)


if __name__ == "__main__":
    main()
