#!/usr/bin/env python3
"""A minimal NNTP server for recording STARTTLS (RFC 4642) on loopback.

It answers one connection: the 200 greeting, CAPABILITIES, STARTTLS (382 and
then TLS with Python's ssl module, i.e. OpenSSL, or 580 with --refuse), and
after it CAPABILITIES, MODE READER and QUIT. Nothing else.
Usage: nntp_server.py PORT CERT KEY [--refuse]
"""
import socket
import ssl
import sys

port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
refuse = "--refuse" in sys.argv[4:]
caps = ["101 Capability list:", "VERSION 2", "READER"]
if not refuse:
    caps.append("STARTTLS")
caps.append(".")

srv = socket.create_server(("127.0.0.1", port))
conn, _ = srv.accept()
f = conn.makefile("rwb", buffering=0)


def send(*lines):
    f.write("".join(l + "\r\n" for l in lines).encode())


send("200 news.example.com NNTP service ready, posting allowed")
tls = False
while True:
    line = f.readline()
    if not line:
        break
    cmd = line.strip().upper()
    if cmd == b"CAPABILITIES":
        send(*caps)
    elif cmd == b"STARTTLS" and not tls:
        if refuse:
            send("580 Can not initiate TLS negotiation")
            continue
        send("382 Continue with TLS negotiation")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        conn = ctx.wrap_socket(conn, server_side=True)
        f = conn.makefile("rwb", buffering=0)
        tls = True
    elif cmd == b"MODE READER":
        send("200 Reader mode, posting allowed")
    elif cmd == b"QUIT":
        send("205 closing connection")
        break
    else:
        send("500 Unknown command")
conn.close()
