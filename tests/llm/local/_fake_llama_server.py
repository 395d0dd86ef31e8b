"""Stand-in for `python -m llama_cpp.server` in tests: answers GET /v1/models on the given
loopback port and exits by itself after a while. Usage: python this.py PORT [tags...]"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"object":"list","data":[]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


server = HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
threading.Timer(60.0, server.shutdown).start()  # never outlive a test run by much
server.serve_forever(poll_interval=0.05)
