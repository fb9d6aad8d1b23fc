"""A webhook receiver for the alert benchmark: answers 200 to every POST and appends
"<unix time> <number of alerts in the body>" to the file given, one line per message.

usage: receiver.py PORT LOG_FILE
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_file = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            count = len(json.loads(body).get("alerts", []))
        except ValueError:
            count = -1
        with open(log_file, "a") as f:
            f.write(f"{time.time():.3f} {count}\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
