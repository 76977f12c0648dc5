#!/usr/bin/env python3
"""Generates the TDS (SQL Server) captures from the MS-TDS specification.

No SQL Server runs on Debian, so these captures are built, not recorded:
the PRELOGIN packets (MS-TDS 2.2.6.5) and the LOGIN7 packet (2.2.6.4) are
written field by field from the specification; the TLS handshake carried
inside PRELOGIN packets (MS-TDS 3.2.5.2, 3.3.5.2) is a real one, made by
Python's ssl module (OpenSSL) between two in-memory endpoints with the
throwaway certificate of testdata/record/certs. The TCP/IP framing
(Ethernet, IPv4, TCP with a three-way handshake and FIN exchange) is
synthesised on 127.0.0.1, server port 1433, a client port and start time of
its own per capture (50123, 50124, 50125; one minute apart), as separate
real connections would have.

Usage: gen_tds.py OUTDIR
  tds-prelogin-encrypt.pcap  client ENCRYPT_ON, server ENCRYPT_ON, TLS handshake
  tds-prelogin-off.pcap      client ENCRYPT_OFF, server ENCRYPT_OFF (login-only TLS)
  tds-prelogin-notsup.pcap   client ENCRYPT_NOT_SUP, server ENCRYPT_NOT_SUP, LOGIN7 in clear
"""
import os
import ssl
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CERT = os.path.join(HERE, "..", "certs", "server.crt")
KEY = os.path.join(HERE, "..", "certs", "server.key")
PASSWORD = "Fake-Pw-tds-1J"  # listed in testdata/secrets.txt

ON, OFF, NOT_SUP = 1, 0, 2


def tds(typ, payload, status=1):
    return struct.pack(">BBHHBB", typ, status, 8 + len(payload), 0, 1, 0) + payload


def prelogin(enc, reply=False):
    # VERSION (6 bytes), ENCRYPTION (1), INSTOPT (1), THREADID (4, client
    # only), MARS (1), terminator.
    opts = [(0x00, bytes([16, 0, 0x10, 0x00, 0, 0]) if reply else bytes([0x0B, 0, 0x0F, 0xA0, 0, 0])),
            (0x01, bytes([enc])),
            (0x02, b"\x00")]
    if not reply:
        opts.append((0x03, struct.pack(">I", 4242)))
    opts.append((0x04, b"\x00"))
    off = 5 * len(opts) + 1
    head, body = b"", b""
    for tok, val in opts:
        head += struct.pack(">BHH", tok, off + len(body), len(val))
        body += val
    return tds(0x12 if not reply else 0x04, head + b"\xff" + body)


def login7(user, password):
    def ucs2(s):
        return s.encode("utf-16-le")

    def obfuscate(s):
        out = bytearray()
        for b in ucs2(s):
            b = ((b << 4) & 0xF0) | (b >> 4)
            out.append(b ^ 0xA5)
        return bytes(out)

    fields = [ucs2("client1"), ucs2(user), obfuscate(password), ucs2("ibmitap-gen"),
              ucs2("127.0.0.1"), b"", ucs2("gen_tds"), ucs2("us_english"), ucs2("master")]
    fixed = 94
    hdr = struct.pack("<IIIIIIBBBBiI", 0, 0x74000004, 4096, 0x07000000, 4242, 0,
                      0xE0, 0x03, 0, 0, 0, 0x0409)
    offs, data = b"", b""
    pos = fixed
    for i, f in enumerate(fields):
        if i == 5:  # unused slot (extension / reserved)
            offs += struct.pack("<HH", pos, 0)
            continue
        offs += struct.pack("<HH", pos + len(data), len(f) // 2)
        data += f
    offs += b"\x00" * 6  # ClientID
    offs += struct.pack("<HHHHHH", pos + len(data), 0, pos + len(data), 0, pos + len(data), 0)
    offs += struct.pack("<I", 0)
    body = hdr + offs
    body = body[:fixed].ljust(fixed, b"\x00") + data
    body = struct.pack("<I", len(body)) + body[4:]
    return tds(0x10, body)


def tls_flights():
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(CERT, KEY)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cctx.wrap_bio(cin, cout, server_hostname="sql.example.com")
    s = sctx.wrap_bio(sin, sout, server_side=True)
    flights = []
    for _ in range(6):
        for end, out, peer in ((c, cout, sin), (s, sout, cin)):
            try:
                end.do_handshake()
            except ssl.SSLWantReadError:
                pass
            b = out.read()
            if b:
                flights.append((end is c, b))
                peer.write(b)
    return flights


class Pcap:
    def __init__(self, cport, start):
        self.cport = cport
        self.out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        self.t = start
        self.seq = {True: 1000, False: 5000}

    def frame(self, c2s, flags, payload=b""):
        src, dst = (self.cport, 1433) if c2s else (1433, self.cport)
        ack = self.seq[not c2s] if flags != 0x02 else 0
        tcp = struct.pack(">HHIIBBHHH", src, dst, self.seq[c2s], ack, 5 << 4, flags, 65535, 0, 0)
        ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                                   bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])))
        ip[10:12] = struct.pack(">H", csum(bytes(ip)))
        pseudo = bytes([127, 0, 0, 1]) * 2 + struct.pack(">BBH", 0, 6, len(tcp) + len(payload))
        tcp = bytearray(tcp)
        tcp[16:18] = struct.pack(">H", csum(pseudo + bytes(tcp) + payload))
        pkt = b"\x00" * 12 + b"\x08\x00" + bytes(ip) + bytes(tcp) + payload
        sec = int(self.t)
        self.out += struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(pkt), len(pkt)) + pkt
        self.t += 0.001
        self.seq[c2s] = (self.seq[c2s] + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    def send(self, c2s, payload):
        self.frame(c2s, 0x18, payload)
        self.frame(not c2s, 0x10)


def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def session(cenc, senc, cport, start):
    p = Pcap(cport, start)
    p.frame(True, 0x02)
    p.seq[False] = 5000
    p.frame(False, 0x12)
    p.frame(True, 0x10)
    p.send(True, prelogin(cenc))
    p.send(False, prelogin(senc, reply=True))
    if NOT_SUP in (cenc, senc):
        p.send(True, login7("ibmitst", PASSWORD))
    else:
        for from_client, b in tls_flights():
            p.send(from_client, tds(0x12, b))
    p.frame(True, 0x11)
    p.frame(False, 0x11)
    p.frame(True, 0x10)
    return p.out


def main():
    out = sys.argv[1]
    start = 1796677800.0  # 2026-12-07T21:10:00Z, beside the recorded captures
    for i, (name, c, s) in enumerate((("tds-prelogin-encrypt.pcap", ON, ON),
                                      ("tds-prelogin-off.pcap", OFF, OFF),
                                      ("tds-prelogin-notsup.pcap", NOT_SUP, NOT_SUP))):
        with open(os.path.join(out, name), "wb") as f:
            f.write(session(c, s, 50123 + i, start + 60 * i))


if __name__ == "__main__":
    main()
