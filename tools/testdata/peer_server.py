#!/usr/bin/env python3
"""A misbehaving HTTP/1.1 server for the tools' tests, on 127.0.0.1:0.

Prints "port N" on stdout, then serves until killed (over TLS with
`--tls CERT KEY`, as Python's ssl module does it):
  /hello     200 "hello"
  /redirect  302 to /hello          /loop  302 to /loop
  /slow      answers after 5 s      /fail  500 "boom"
  /echo      200 "METHOD content-type body"
  /gzip      "hello compressed" x 1000, gzip when asked for it
  /bad-gzip  Content-Encoding: gzip on bytes that are not gzip
  /zeros     64 MiB of zeros, gzip (about 64 KiB on the wire)
  /br-bomb   256 MiB of zeros, brotli
  /identity-then-gzip  Content-Encoding on two lines: identity, gzip
"""
import gzip
import http.server
import socketserver
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path == "/hello":
            self.reply(200, b"hello")
        elif self.path == "/redirect":
            self.reply(302, b"", [("Location", "/hello")])
        elif self.path == "/redirect-body":
            self.reply(302, b"moved here", [("Location", "/hello")])
        elif self.path == "/big":
            # 64 MiB in 1 MiB writes: a client must stream it, not hold it.
            self.send_response(200)
            self.send_header("Content-Length", str(64 << 20))
            self.end_headers()
            piece = b"x" * (1 << 20)
            for _ in range(64):
                self.wfile.write(piece)
        elif self.path == "/gzip":
            plain = b"hello compressed\n" * 1000
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                self.reply(200, gzip.compress(plain),
                           [("Content-Encoding", "gzip")])
            else:
                self.reply(200, plain)
        elif self.path == "/bad-gzip":
            self.reply(200, b"not gzip at all", [("Content-Encoding", "gzip")])
        elif self.path == "/zeros":
            self.reply(200, gzip.compress(b"\0" * (64 << 20), 1),
                       [("Content-Encoding", "gzip")])
        elif self.path == "/br-bomb":
            # 256 MiB of zeros in brotli: a few hundred KiB.
            import brotli
            self.reply(200, brotli.compress(b"\0" * (256 << 20), quality=1),
                       [("Content-Encoding", "br")])
        elif self.path == "/identity-then-gzip":
            self.reply(200, gzip.compress(b"two lines\n"),
                       [("Content-Encoding", "identity"),
                        ("Content-Encoding", "gzip")])
        elif self.path == "/loop":
            self.reply(302, b"", [("Location", "/loop")])
        elif self.path == "/slow":
            time.sleep(5)
            self.reply(200, b"late")
        elif self.path == "/fail":
            self.reply(500, b"boom")
        elif self.path == "/echo":
            ctype = self.headers.get("Content-Type") or "-"
            self.reply(200, b"%s %s %s" % (self.command.encode(),
                                           ctype.encode(), body))
        else:
            self.reply(404, b"nope")

    do_GET = do_POST = do_PUT = do_DELETE = do_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    s = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    print("port", s.server_address[1], flush=True)
    s.serve_forever()
