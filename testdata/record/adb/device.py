#!/usr/bin/env python3
"""A minimal Android device side of ADB over TCP (adbd's first exchange).

It accepts one connection on 127.0.0.1:PORT, reads the host's CNXN message
(24-byte header: command, arg0, arg1, data length, data CRC32, magic) and
answers with its own CNXN ("device::ro.product.name=ibmitap;..."), then
waits for the host to close. Used because no adbd runs on Debian.
Usage: device.py PORT
"""
import socket
import struct
import sys
import zlib

CNXN = 0x4E584E43

srv = socket.create_server(("127.0.0.1", int(sys.argv[1])))
conn, _ = srv.accept()
hdr = b""
while len(hdr) < 24:
    chunk = conn.recv(24 - len(hdr))
    if not chunk:
        sys.exit(0)
    hdr += chunk
cmd, arg0, arg1, n, crc, magic = struct.unpack("<6I", hdr)
body = b""
while len(body) < n:
    chunk = conn.recv(n - len(body))
    if not chunk:
        break
    body += chunk
data = b"device::ro.product.name=ibmitap;ro.product.model=recorder;ro.product.device=loopback;features=shell_v2\x00"
conn.sendall(struct.pack("<6I", CNXN, 0x01000000, 256 * 1024, len(data), zlib.crc32(data) & 0xFFFFFFFF, CNXN ^ 0xFFFFFFFF) + data)
try:
    while conn.recv(4096):
        pass
except OSError:
    pass
conn.close()
