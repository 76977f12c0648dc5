# Throwaway loopback HTTP/1.1 server for testdata/http-ntlm.pcap: answers a
# client's NTLM NEGOTIATE with a 401 carrying an NTLM CHALLENGE (the one samba
# sent in testdata/smb-smb3-plain.pcap, read from that capture), so that curl
# --ntlm sends its real AUTHENTICATE message on the same connection.
import base64, http.server, struct, sys

def challenge_from(pcap):
    data = open(pcap, "rb").read()
    i = data.index(b"NTLMSSP\x00\x02\x00\x00\x00")
    m = data[i:]
    end = 48
    for off in (12, 40):  # TargetName, TargetInfo security buffers
        n, _, o = struct.unpack_from("<HHI", m, off)
        end = max(end, o + n)
    return m[:end]

CHAL = base64.b64encode(challenge_from(sys.argv[2])).decode()

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("NTLM ") and base64.b64decode(auth[5:])[8] == 1:
            self.send_response(401)
            self.send_header("WWW-Authenticate", "NTLM " + CHAL)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", "NTLM")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
