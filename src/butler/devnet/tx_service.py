"""A Safe Transaction Service stand-in: the endpoints the product uses, checked like the real service.

POST   /api/v{1,2}/safes/{safe}/multisig-transactions/   propose (the reference client's wire format)
GET    /api/v{1,2}/safes/{safe}/multisig-transactions/   list, paged; filters executed, nonce, nonce__gte
GET    /api/v{1,2}/multisig-transactions/{safeTxHash}/   one proposal
GET    /api/v1/safes/{safe}/                              address, nonce, threshold, owners, ...
GET    /api/v1/about/ethereum-rpc/                        chain_id

A proposal is accepted only if its hash is the SafeTx EIP-712 hash (and the Safe's own
getTransactionHash), its signature recovers to `sender`, and the sender is an owner of the Safe or a
registered delegate. Executions are learnt from the Safe's ExecutionSuccess/ExecutionFailure events.
Bearer tokens are accepted and ignored; nothing secret is logged.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from butler.devnet.tx_service_state import TxServiceState
from butler.devnet.tx_service_wire import Rejected, int_param
from butler.domain.redaction import shown

_SAFE_PATH = re.compile(r"^/api/v[12]/safes/(?P<safe>[^/]+)/(?P<rest>multisig-transactions/)?$")
_TX_PATH = re.compile(r"^/api/v[12]/multisig-transactions/(?P<hash>[^/]+)/$")
DEFAULT_PAGE = 100
MAX_BODY = 4 * 1024 * 1024


Log = Callable[[str], None]


class TxService:
    """The HTTP server on 127.0.0.1, serving from a background thread."""

    def __init__(self, state: TxServiceState, *, port: int = 0, log: Log | None = None) -> None:
        self.state = state
        self._log = log
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), type("Handler", (_Handler,), {"service": self})
        )
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> TxService:
        self._thread = threading.Thread(target=self._server.serve_forever, name="tx-service", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def log(self, line: str) -> None:
        if self._log is not None:
            self._log(line)


class _Handler(BaseHTTPRequestHandler):
    service: TxService  # set on the subclass each server makes

    protocol_version = "HTTP/1.1"
    server_version = "butler-devnet-tx-service"

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def _get(self, path: str, query: dict[str, list[str]]) -> tuple[HTTPStatus, Any]:
        state = self.service.state
        if match := _SAFE_PATH.match(path):
            if not match.group("rest"):
                return HTTPStatus.OK, state.safe_info(match.group("safe"))
            found, threshold = state.list_proposals(match.group("safe"), query)
            return HTTPStatus.OK, self._page(path, query, [p.to_json(threshold) for p in found])
        if match := _TX_PATH.match(path):
            proposal, threshold = state.get(match.group("hash"))
            return HTTPStatus.OK, proposal.to_json(threshold)
        if path in ("/api/v1/about/", "/api/v2/about/"):
            return HTTPStatus.OK, {
                "name": "butler devnet Safe Transaction Service stand-in",
                "version": "1",
            }
        if path == "/api/v1/about/ethereum-rpc/":
            return HTTPStatus.OK, {"chain_id": state.chain.chain_id, "syncing": False}
        raise Rejected(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")

    def _post(self, path: str, query: dict[str, list[str]]) -> tuple[HTTPStatus, Any]:
        match = _SAFE_PATH.match(path)
        if not match or not match.group("rest"):
            raise Rejected(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise Rejected(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            raise Rejected(HTTPStatus.BAD_REQUEST, "the body is not JSON") from None
        proposal = self.service.state.propose(match.group("safe"), body)
        safe_tx_hash = shown(f"0x{proposal.safe_tx_hash.hex()}")
        self.service.log(
            f"tx-service: proposal {safe_tx_hash} (Safe nonce {proposal.tx.nonce}) from {proposal.proposer}"
        )
        return HTTPStatus.CREATED, None

    def _page(self, path: str, query: dict[str, list[str]], items: list[Any]) -> dict[str, Any]:
        limit = int_param(query, "limit") or DEFAULT_PAGE
        offset = int_param(query, "offset") or 0
        host = self.headers.get("Host") or self.service.url.removeprefix("http://")
        nxt = (
            f"http://{host}{path}?limit={limit}&offset={offset + limit}"
            if offset + limit < len(items)
            else None
        )
        prev = f"http://{host}{path}?limit={limit}&offset={max(offset - limit, 0)}" if offset > 0 else None
        return {
            "count": len(items),
            "next": nxt,
            "previous": prev,
            "results": items[offset : offset + limit],
        }

    def _answer(self, route: Callable[[str, dict[str, list[str]]], tuple[HTTPStatus, Any]]) -> None:
        parts = urlsplit(self.path)
        try:
            status, body = route(parts.path, parse_qs(parts.query))
        except Rejected as rejected:
            status, body = rejected.status, rejected.body()
        except Exception as exc:
            status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"message": f"{type(exc).__name__}: {exc}"}
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if status >= 400:
            self.service.log(
                f"tx-service: {self.command} {parts.path} -> {int(status)} {body.get('message', '')}"
            )

    def log_message(self, format: str, *args: Any) -> None:
        # The default logs every request line to stderr; rejections are logged in _answer instead.
        return
