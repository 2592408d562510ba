"""A UDP peer for the StarlingSystem tests.

    udp_peer.py echo [HOST]             binds HOST (127.0.0.1) port 0, prints "BOUND <port>", and
                                        answers every datagram with "echo: <datagram>"
    udp_peer.py send HOST PORT MESSAGE  sends MESSAGE, prints "FROM <port> <answer>" for the
                                        answer it gets
    udp_peer.py multicast GROUP PORT MESSAGE
                                        sends MESSAGE to the group on the system's default
                                        interface (looped back to this host), then prints "SENT"

Each peer ends when its standard input does: when the test ends, however it ends.
"""
import os
import socket
import sys
import threading

role = sys.argv[1]
threading.Thread(target=lambda: (os.read(0, 1), os._exit(0)), daemon=True).start()  # ends with the test
if role == "echo":
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family, socket.SOCK_DGRAM)
    server.bind((host, 0))
    print("BOUND", server.getsockname()[1], flush=True)
    while True:
        data, sender = server.recvfrom(65535)
        server.sendto(b"echo: " + data, sender)
elif role == "send":
    host, port, message = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    client = socket.socket(family, socket.SOCK_DGRAM)
    client.bind((host, 0))
    client.sendto(message.encode(), (host, port))
    client.settimeout(60)
    data, sender = client.recvfrom(65535)
    print("FROM", sender[1], data.decode(), flush=True)
else:
    group, port, message = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    sender.sendto(message.encode(), (group, port))
    print("SENT", flush=True)
