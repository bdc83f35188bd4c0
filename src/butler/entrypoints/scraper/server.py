"""A small threaded HTTP server for /metrics, with an optional bearer token.

prometheus_client renders the registry (content negotiation, gzip); this module adds what its own
server lacks: the token check, a 404 for other paths, no request log on stderr, and a clean stop.
"""

from __future__ import annotations

import hmac
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client.exposition import make_wsgi_app
from prometheus_client.registry import CollectorRegistry

from butler.domain.errors import ButlerError

METRICS_PATH = "/metrics"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def metrics_app(registry: CollectorRegistry, token: str | None) -> WsgiApp:
    """/metrics (behind `token` when given) and a one-line index at /; 404 elsewhere."""
    render = make_wsgi_app(registry)
    expected = f"Bearer {token}".encode() if token is not None else None

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/":
            return _plain(start_response, "200 OK", f"aztec-butler-scraper: metrics at {METRICS_PATH}\n")
        if path != METRICS_PATH:
            return _plain(start_response, "404 Not Found", "not found\n")
        if expected is not None:
            given = str(environ.get("HTTP_AUTHORIZATION", "")).encode("latin-1", "replace")
            # Constant time, so the token cannot be guessed byte by byte from response times.
            if not hmac.compare_digest(given, expected):
                return _plain(
                    start_response,
                    "401 Unauthorized",
                    "a bearer token is required\n",
                    [("WWW-Authenticate", 'Bearer realm="aztec-butler-scraper"')],
                )
        return render(environ, start_response)  # type: ignore[no-any-return]

    return app


def _plain(
    start_response: StartResponse, status: str, text: str, headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(headers or [])],
    )
    return [body]


# An idle or trickling client is dropped after this long, so it cannot hold a thread for ever.
CONNECTION_TIMEOUT_SECONDS = 10.0


class _QuietHandler(WSGIRequestHandler):
    timeout = CONNECTION_TIMEOUT_SECONDS  # applied to each connection's socket

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a hung client must not keep the process from stopping


class _ThreadingServerV6(_ThreadingServer):
    address_family = socket.AF_INET6


class MetricsServer:
    """Serves `app` on host:port (port 0: any free port) from a background thread until `stop`."""

    def __init__(
        self, app: WsgiApp, host: str, port: int, *, connection_timeout: float = CONNECTION_TIMEOUT_SECONDS
    ) -> None:
        server_class = _ThreadingServerV6 if ":" in host else _ThreadingServer
        handler = type("_Handler", (_QuietHandler,), {"timeout": connection_timeout})
        try:
            self._server = make_server(host, port, app, server_class=server_class, handler_class=handler)
        except OSError as exc:
            where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            raise ButlerError(f"cannot listen on {where}: {exc.strerror or type(exc).__name__}") from None
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="metrics-http", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
