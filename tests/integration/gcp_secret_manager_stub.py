"""A local stand-in for the Google Cloud Secret Manager REST API (v1), on 127.0.0.1, for adapter tests
and bench/bench_gcp_secret_store.py.

It answers the calls the secret-store adapter makes through Google's client library (REST transport):
create a secret, add a version, access a version (`latest` or a number), get a secret, and list secrets
with a label filter (`labels.KEY=VALUE [AND ...]`, the subset web3signer's `--gcp-secrets-filter`
needs). Errors use Google's JSON error shape, so the client raises its usual exceptions: 409
ALREADY_EXISTS, 404 NOT_FOUND, 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, and
injected 503 UNAVAILABLE. Every request is logged as (operation, secret id) for counting.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs

SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    503: "UNAVAILABLE",
}
_ROUTES = [
    ("POST", re.compile(r"/v1/projects/(?P<project>[^/]+)/secrets"), "create"),
    ("POST", re.compile(r"/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/:]+):addVersion"), "add"),
    (
        "GET",
        re.compile(
            r"/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/:]+):access"
        ),
        "access",
    ),
    ("GET", re.compile(r"/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/:]+)"), "get"),
    ("GET", re.compile(r"/v1/projects/(?P<project>[^/]+)/secrets"), "list"),
]


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@attrs.define
class StoredSecret:
    labels: dict[str, str]
    versions: list[bytes] = attrs.field(factory=list)
    """Payloads, version n at index n-1."""


@attrs.define
class Fault:
    operation: str
    code: int
    times: int
    secret_prefix: str = ""


class SecretManagerStub:
    """The state and the behaviour, apart from HTTP. Thread-safe: the server answers in threads."""

    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], StoredSecret] = {}
        self.requests: list[tuple[str, str]] = []
        self.require_auth = False
        self.authorized: list[str] = []
        """The Authorization header of every request that carried one."""
        self.echo_request_in_errors = False
        self.latency = 0.0
        """Seconds each answer waits, as a network round trip would (benchmarks)."""
        """Misbehave like a careless server: quote the request body in error messages."""
        self._faults: list[Fault] = []
        self._denied: list[tuple[str, str]] = []
        self._tamper: set[tuple[str, str]] = set()
        self._appear: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    # -- arranging ----------------------------------------------------------------------------------

    def put(
        self, project: str, secret: str, payload: bytes | None, labels: dict[str, str] | None = None
    ) -> None:
        """A secret as if someone had created it; `payload` None leaves it without versions."""
        stored = StoredSecret(labels=dict(labels or {}))
        if payload is not None:
            stored.versions.append(payload)
        with self._lock:
            self.secrets[project, secret] = stored

    def fail(self, operation: str, code: int, *, times: int = 1, secret_prefix: str = "") -> None:
        """Answer the next `times` calls of `operation` (on secrets starting with the prefix) with `code`."""
        with self._lock:
            self._faults.append(Fault(operation, code, times, secret_prefix))

    def deny(self, operation: str, secret_prefix: str = "") -> None:
        """PERMISSION_DENIED for `operation` on secrets starting with the prefix, until the stub ends."""
        with self._lock:
            self._denied.append((operation, secret_prefix))

    def tamper(self, project: str, secret: str) -> None:
        """Store a different payload than the one sent for this secret's next version."""
        with self._lock:
            self._tamper.add((project, secret))

    def appear_after_miss(self, project: str, secret: str, payload: bytes) -> None:
        """Someone else creates this secret, holding `payload`, just after a read found it missing."""
        with self._lock:
            self._appear[project, secret] = payload

    # -- inspecting ---------------------------------------------------------------------------------

    def latest(self, project: str, secret: str) -> bytes | None:
        stored = self.secrets.get((project, secret))
        return stored.versions[-1] if stored and stored.versions else None

    def count(self, operation: str | None = None) -> int:
        return sum(1 for op, _ in self.requests if operation is None or op == operation)

    def pending_faults(self) -> int:
        """Injected failures not yet answered."""
        return sum(fault.times for fault in self._faults)

    def operations(self) -> Counter[str]:
        return Counter(op for op, _ in self.requests)

    # -- answering ----------------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        route = _route(method, path)
        if route is None:
            return _error(404, f"no such method: {method} {path}")
        operation, params = route
        if self.latency:
            time.sleep(self.latency)
        project, secret = params["project"], params.get("secret", "")
        if operation == "create":
            secret = (query.get("secretId") or [""])[0]
        with self._lock:
            self.requests.append((operation, secret))
            if authorization:
                self.authorized.append(authorization)
            try:
                if self.require_auth and not (authorization or "").startswith("Bearer "):
                    raise ApiError(401, "Request is missing required authentication credential.")
                self._injected(operation, secret)
                return 200, self._dispatch(operation, project, secret, params, query, body)
            except ApiError as error:
                message = error.message
                if self.echo_request_in_errors and body:
                    message += f" (request: {body.decode(errors='replace')})"
                return _error(error.code, message)

    def _injected(self, operation: str, secret: str) -> None:
        for fault in self._faults:
            if fault.times > 0 and fault.operation == operation and secret.startswith(fault.secret_prefix):
                fault.times -= 1
                raise ApiError(fault.code, "injected fault")
        for denied, prefix in self._denied:
            if denied == operation and secret.startswith(prefix):
                raise ApiError(403, f"Permission 'secretmanager.{operation}' denied for resource '{secret}'")

    def _dispatch(
        self,
        operation: str,
        project: str,
        secret: str,
        params: dict[str, str],
        query: dict[str, list[str]],
        body: bytes,
    ) -> dict[str, Any]:
        if operation == "create":
            return self._create(project, secret, json.loads(body or b"{}"))
        if operation == "list":
            return self._list(project, (query.get("filter") or [""])[0])
        name = f"projects/{project}/secrets/{secret}"
        stored = self.secrets.get((project, secret))
        if operation == "access" and (stored is None or not stored.versions):
            appearing = self._appear.pop((project, secret), None)
            if appearing is not None:
                self.secrets[project, secret] = StoredSecret(labels={}, versions=[appearing])
            raise ApiError(404, f"Secret Version [{name}/versions/latest] not found.")
        if stored is None:
            raise ApiError(404, f"Secret [{name}] not found or has no versions.")
        if operation == "get":
            return _secret_json(name, stored)
        if operation == "add":
            payload = base64.b64decode(json.loads(body)["payload"]["data"])
            if (project, secret) in self._tamper:
                self._tamper.discard((project, secret))
                payload = bytes(reversed(payload))
            stored.versions.append(payload)
            return {"name": f"{name}/versions/{len(stored.versions)}", "state": "ENABLED"}
        version = params["version"]
        number = len(stored.versions) if version == "latest" else int(version)
        if not 1 <= number <= len(stored.versions):
            raise ApiError(404, f"Secret Version [{name}/versions/{version}] not found.")
        data = base64.b64encode(stored.versions[number - 1]).decode()
        return {"name": f"{name}/versions/{number}", "payload": {"data": data}}

    def _create(self, project: str, secret: str, body: dict[str, Any]) -> dict[str, Any]:
        name = f"projects/{project}/secrets/{secret}"
        if not SECRET_ID.fullmatch(secret):
            raise ApiError(400, f"invalid secret id {secret!r}")
        if not {"automatic", "userManaged"} & set(body.get("replication", {})):
            raise ApiError(400, "replication is required")
        labels = body.get("labels", {})
        for key, value in labels.items():
            if not LABEL_KEY.fullmatch(key) or not LABEL_VALUE.fullmatch(value):
                raise ApiError(400, f"invalid label {key}={value}")
        if (project, secret) in self.secrets:
            raise ApiError(409, f"Secret [{name}] already exists.")
        self.secrets[project, secret] = StoredSecret(labels=dict(labels))
        return _secret_json(name, self.secrets[project, secret])

    def _list(self, project: str, filter_text: str) -> dict[str, Any]:
        wanted = {}
        for term in filter(None, (t.strip() for t in filter_text.split(" AND "))):
            match = re.fullmatch(r"labels\.([a-z0-9_-]+)=([a-z0-9_-]+)", term)
            if match is None:
                raise ApiError(400, f"unsupported filter term {term!r}")
            wanted[match[1]] = match[2]
        return {
            "secrets": [
                _secret_json(f"projects/{p}/secrets/{s}", stored)
                for (p, s), stored in sorted(self.secrets.items())
                if p == project and all(stored.labels.get(k) == v for k, v in wanted.items())
            ]
        }


def _route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, pattern, operation in _ROUTES:
        match = pattern.fullmatch(path)
        if match and method == route_method:
            return operation, match.groupdict()
    return None


def _secret_json(name: str, stored: StoredSecret) -> dict[str, Any]:
    return {"name": name, "replication": {"automatic": {}}, "labels": stored.labels}


def _error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"error": {"code": code, "message": message, "status": STATUS.get(code, "UNKNOWN")}}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as Google's front ends do
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.server.stub.answer(
            self.command, url.path, parse_qs(url.query), body, self.headers.get("Authorization")
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: SecretManagerStub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stub = stub


@attrs.frozen
class RunningStub:
    stub: SecretManagerStub
    endpoint: str
    """`http://127.0.0.1:PORT`, for the client's `api_endpoint`."""


@contextlib.contextmanager
def running_secret_manager() -> Iterator[RunningStub]:
    stub = SecretManagerStub()
    server = _Server(stub)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="secret-manager-stub", daemon=True
    )
    thread.start()
    try:
        yield RunningStub(stub, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
