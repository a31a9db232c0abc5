#!/usr/bin/env python3
"""A tiny OTLP/HTTP receiver on 127.0.0.1 that saves each request body as it
came: POST /<encoding>/<name>/v1/traces is saved as <out>/<encoding>/<name>-<n>
(n counts the requests of that path, from 1; .bin for protobuf, .json for JSON).
It answers as an OTLP/HTTP receiver does: an empty ExportTraceServiceResponse.

    python3 receiver.py OUT_DIR PORT
"""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT = sys.argv[1]
PORT = int(sys.argv[2])
COUNTS = {}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.body()
        parts = self.path.strip("/").split("/")
        if len(parts) != 4 or parts[2:] != ["v1", "traces"]:
            self.send_response(404)
            self.end_headers()
            return
        encoding, name = parts[0], parts[1]
        json = "json" in self.headers.get("Content-Type", "")
        key = (encoding, name)
        COUNTS[key] = COUNTS.get(key, 0) + 1
        os.makedirs(os.path.join(OUT, encoding), exist_ok=True)
        path = os.path.join(OUT, encoding, f"{name}-{COUNTS[key]}.{'json' if json else 'bin'}")
        with open(path, "wb") as f:
            f.write(body)
        sys.stderr.write(f"receiver: saved {path} ({len(body)} bytes, {self.headers.get('Content-Type')}, {self.headers.get('Content-Encoding') or 'no content encoding'})\n")
        self.send_response(200)
        if json:
            self.send_header("Content-Type", "application/json")
            reply = b"{}"
        else:
            self.send_header("Content-Type", "application/x-protobuf")
            reply = b""
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))
        out = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            chunk = self.rfile.read(size)
            self.rfile.readline()
            if size == 0:
                return out
            out += chunk

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + (fmt % args) + "\n")


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
