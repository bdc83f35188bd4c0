"""A stand-in for web3signer's eth1 key list on 127.0.0.1: `GET /api/v1/eth1/publicKeys` answers `keys`
as JSON (or `status` with `body`), after answering each of `failures` (a status and its headers) once,
in order. `paths` records every path asked for."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PUBLIC_KEYS_PATH = "/api/v1/eth1/publicKeys"


class Web3SignerStub:
    def __init__(self) -> None:
        self.keys: list[Any] = []
        self.status = 200
        self.body: bytes | None = None
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.paths: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="web3signer", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                stub.paths.append(self.path)
                path = self.path.split("?")[0]
                headers: dict[str, str] = {}
                if path != PUBLIC_KEYS_PATH:
                    status, body = 404, b'{"message":"Not Found"}'
                elif stub.failures:
                    (status, headers), body = stub.failures.pop(0), b'{"message":"busy"}'
                else:
                    status = stub.status
                    body = stub.body if stub.body is not None else json.dumps(stub.keys).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler


@contextmanager
def running_web3signer() -> Iterator[Web3SignerStub]:
    stub = Web3SignerStub()
    stub._thread.start()
    try:
        yield stub
    finally:
        stub._server.shutdown()
        stub._server.server_close()
