"""An HTTP proxy on 127.0.0.1 in front of a JSON-RPC node that counts requests and can misbehave.

Tests talk to the node through the proxy: `posts` counts every HTTP request that reached it, and
`faults` (a queue consumed one per request) makes the next requests fail in a chosen way before the
proxy forwards again. `every_nth = (n, fault)` makes every n-th request fail so when the queue is empty
(a flaky service, for a whole scan); `faulted` counts the faults served. `intercept` may answer a decoded
request itself (e.g. a node's range limit). `rate_limit_error` is the error object the "rate-limited"
faults answer with (Infura's by default).
"""

from __future__ import annotations

import collections
import http.client
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Faults, each consumed by one request:
#   an int (e.g. 429, 503): answer with that HTTP status and a short body, do not forward;
#   "drop": read the request and close the connection without an answer;
#   "stall": read the request and answer nothing for `stall_seconds`, then close;
#   "garbage": answer 200 with a body that is not JSON;
#   "lose-one": forward, then remove the last answer from a batch answer;
#   "error-one": forward, then replace the first answer's result with an error object;
#   "rate-limited": answer HTTP 200 with one `rate_limit_error` object (also to a batch), do not forward;
#   "rate-limited-one": forward, then replace the last answer of a batch with `rate_limit_error`.
Fault = int | str

# How Infura says it is rate limiting: HTTP 200, a JSON-RPC error, and how long to back off.
INFURA_RATE_LIMIT: dict[str, Any] = {
    "code": -32005,
    "message": "daily request count exceeded, request rate limited",
    "data": {
        "see": "https://infura.io/dashboard",
        "rate": {"allowed_rps": 1, "backoff_seconds": 30, "current_rps": 1.4, "filtered_rps": 0.4},
    },
}

# A path and query that must never appear in an error message: they stand for an API key.
SECRET_PATH = "/v3/SECRETKEY0123?apikey=SECRETQUERY"


class RpcProxy:
    def __init__(self, upstream: str, *, stall_seconds: float = 2.0) -> None:
        parts = urlsplit(upstream)
        self._upstream_host = parts.hostname or "127.0.0.1"
        self._upstream_port = parts.port or 80
        self.stall_seconds = stall_seconds
        self.faults: collections.deque[Fault] = collections.deque()
        self.intercept: Callable[[Any], Any | None] | None = None
        self.after_forward: Callable[[Any], None] | None = None
        self.every_nth: tuple[int, Fault] | None = None
        self.posts = 0
        self.faulted = 0
        self.bodies: list[Any] = []
        self.rate_limit_error: dict[str, Any] = INFURA_RATE_LIMIT
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="rpc-proxy", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{SECRET_PATH}"

    @property
    def node(self) -> str:
        """The url as error messages may show it."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        with self._lock:
            self.posts = 0
            self.bodies.clear()
            self.faults.clear()
            self.intercept = None
            self.after_forward = None
            self.every_nth = None
            self.faulted = 0
            self.rate_limit_error = INFURA_RATE_LIMIT

    def calls_of(self, method: str) -> int:
        """How many JSON-RPC calls of `method` were sent (inside batches or alone)."""
        count = 0
        for body in self.bodies:
            for item in body if isinstance(body, list) else [body]:
                if isinstance(item, dict) and item.get("method") == method:
                    count += 1
        return count

    def start(self) -> RpcProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_fault(self, body: Any) -> Fault | None:
        with self._lock:
            self.posts += 1
            self.bodies.append(body)
            fault = self.faults.popleft() if self.faults else None
            if fault is None and self.every_nth is not None and self.posts % self.every_nth[0] == 0:
                fault = self.every_nth[1]
            if fault is not None:
                self.faulted += 1
            return fault

    def retarget(self, upstream: str) -> None:
        """Forward to another node from the next request on (a node switched, or one lagging behind)."""
        parts = urlsplit(upstream)
        with self._lock:
            self._upstream_host = parts.hostname or "127.0.0.1"
            self._upstream_port = parts.port or 80

    def forward(self, raw: bytes) -> tuple[int, bytes]:
        with self._lock:
            host, port = self._upstream_host, self._upstream_port
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            connection.request("POST", "/", body=raw, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
            # delayed ACK hold every answer back for ~40 ms.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                fault = proxy._next_fault(body)
                if fault == "drop":
                    self.close_connection = True
                    return
                if fault == "stall":
                    time.sleep(proxy.stall_seconds)
                    self.close_connection = True
                    return
                if isinstance(fault, int):
                    self._send(fault, b'{"message":"try later"}', {"Retry-After": "0"})
                    return
                if fault == "garbage":
                    self._send(200, b"<html>bad gateway</html>")
                    return
                if fault == "rate-limited":
                    id_ = body.get("id") if isinstance(body, dict) else None
                    limited = {"jsonrpc": "2.0", "id": id_, "error": proxy.rate_limit_error}
                    self._send(200, json.dumps(limited).encode())
                    return
                answer = proxy.intercept(body) if proxy.intercept is not None else None
                if answer is not None:
                    self._send(200, json.dumps(answer).encode())
                    return
                status, content = proxy.forward(raw)
                if fault in ("lose-one", "error-one"):
                    content = _tamper(content, str(fault))
                if fault == "rate-limited-one":
                    content = _rate_limit_last(content, proxy.rate_limit_error)
                if proxy.after_forward is not None:
                    proxy.after_forward(body)
                self._send(status, content)

            def _send(self, status: int, content: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

        return Handler


def _tamper(content: bytes, how: str) -> bytes:
    answer = json.loads(content)
    items = answer if isinstance(answer, list) else [answer]
    if how == "lose-one":
        items = items[:-1]
    else:
        first = dict(items[0])
        first.pop("result", None)
        first["error"] = {"code": 3, "message": "execution reverted: injected", "data": "0x"}
        items = [first, *items[1:]]
    return json.dumps(items if isinstance(answer, list) else items[0] if items else []).encode()


def _rate_limit_last(content: bytes, error: dict[str, Any]) -> bytes:
    answer = json.loads(content)
    items = answer if isinstance(answer, list) else [answer]
    last = {key: value for key, value in items[-1].items() if key != "result"}
    items = [*items[:-1], {**last, "error": error}]
    return json.dumps(items if isinstance(answer, list) else items[0]).encode()
