#!/usr/bin/env python3
"""A minimal XMPP server that refuses STARTTLS (RFC 6120 §5.4.2.2).

It answers one connection: reads the client's stream header, sends its own
with stream features that offer STARTTLS, and answers <starttls/> with
<failure/> and the closing </stream:stream>, as a server does whose TLS
set-up fails. Used because Prosody, lacking a certificate, proceeds and then
fails the handshake instead (xmpp-starttls-alert).
Usage: failure_server.py PORT
"""
import socket
import sys

srv = socket.create_server(("127.0.0.1", int(sys.argv[1])))
conn, _ = srv.accept()
buf = b""
while b">" not in buf:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit(0)
    buf += chunk
conn.sendall(
    b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'"
    b" xmlns='jabber:client' version='1.0' id='rec1' from='localhost'>"
    b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
)
buf = b""
while b"starttls" not in buf:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit(0)
    buf += chunk
conn.sendall(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>")
conn.close()
