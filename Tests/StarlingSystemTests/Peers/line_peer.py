"""A line-protocol peer for the StarlingSystem tests, on Python's own socket and ssl modules.

    line_peer.py server tcp|tls|unix [ADDRESS]   listens (tcp/tls on 127.0.0.1 or ::1, unix at
                                                 a path), prints "LISTENING <port or path>",
                                                 then answers each line of each connection with
                                                 "echo: <line>" until the client ends it
    line_peer.py client tcp|tls|unix TARGET LINE...
                                                 connects (TARGET is host:port or a path), sends
                                                 the lines, prints each answer, then "END"
    line_peer.py silent                          accepts on 127.0.0.1 and never says anything
                                                 (for handshake timeouts)
    line_peer.py unlistened                      binds a port on 127.0.0.1 and does not listen:
                                                 connections to it are refused
    line_peer.py full                            listens on 127.0.0.1 with a backlog of 0, fills
                                                 it with a connection of its own and never
                                                 accepts: the system drops further connection
                                                 requests, so connecting times out

TLS takes PEER_TLS_CERT and PEER_TLS_KEY (server) and PEER_TLS_CA (client) from the environment.

Each peer ends when its standard input does: when the test ends, however it ends.
"""
import os
import socket
import ssl
import sys
import threading


def serve(connection):
    with connection:
        reader = connection.makefile("rb")
        for line in reader:
            connection.sendall(b"echo: " + line.rstrip(b"\r\n") + b"\n")


def server(kind, address):
    if kind == "unix":
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        shown = address
    else:
        host = address or "127.0.0.1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.bind((host, 0))
        shown = listener.getsockname()[1]
    listener.listen(16)
    if kind == "tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.environ["PEER_TLS_CERT"], os.environ["PEER_TLS_KEY"])
        listener = context.wrap_socket(listener, server_side=True)
    print("LISTENING", shown, flush=True)
    while True:
        try:
            connection, _ = listener.accept()
        except (ssl.SSLError, OSError) as error:
            print("REFUSED", error, flush=True)
            continue
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


def client(kind, target, lines):
    if kind == "unix":
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(target)
    else:
        host, port = target.rsplit(":", 1)
        connection = socket.create_connection((host.strip("[]"), int(port)))
        if kind == "tls":
            context = ssl.create_default_context(cafile=os.environ["PEER_TLS_CA"])
            connection = context.wrap_socket(connection, server_hostname="localhost")
    reader = connection.makefile("rb")
    for line in lines:
        connection.sendall(line.encode() + b"\n")
        print(reader.readline().decode().rstrip("\n"), flush=True)
    print("END", flush=True)
    connection.close()


def silent(role):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    if role == "silent":
        listener.listen(16)
    elif role == "full":
        listener.listen(0)
        filler = socket.create_connection(listener.getsockname())
    print("LISTENING", listener.getsockname()[1], flush=True)
    held = []
    while True:
        if role != "silent":
            threading.Event().wait()
        connection, _ = listener.accept()
        held.append(connection)


if __name__ == "__main__":
    threading.Thread(target=lambda: (os.read(0, 1), os._exit(0)), daemon=True).start()  # ends with the test
    role = sys.argv[1]
    if role == "server":
        server(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif role == "client":
        client(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        silent(role)
