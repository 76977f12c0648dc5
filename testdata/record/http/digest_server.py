# Throwaway loopback HTTP server that answers 401 with a Digest (or Basic)
# challenge until the client sends an Authorization header; used only to make
# curl send its real Digest credentials for testdata/http-digest.pcap.
import http.server, sys

class H(http.server.BaseHTTPRequestHandler):
    def reply(self):
        if "Authorization" not in self.headers:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="ibmi", nonce="6f1c3e2a9b0d4c5e", qop="auth", algorithm=MD5')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = reply
    do_POST = reply

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
