"""The public keys a web3signer holds, from its eth1 key list (`GET /api/v1/eth1/publicKeys`).

The GET is retried (it only reads) on connection failures, timeouts and HTTP 429/500/502/503/504,
waiting as long as a Retry-After asks (capped; see `adapters.http.retry`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import requests

from butler.adapters.http.deadline import HttpAnswer
from butler.adapters.http.error_text import redact_url
from butler.adapters.http.exchange import RequestFailed, exchange, retry_after
from butler.adapters.http.retry import (
    TRANSIENT_HTTP_STATUSES,
    GaveUp,
    RetryPolicy,
    Transient,
)
from butler.domain.errors import ButlerError, InputError, Problem, UsageError
from butler.domain.secp256k1_public_keys import PublicKeyListError, Secp256k1PublicKey, parse_public_key_list

PUBLIC_KEYS_PATH = "/api/v1/eth1/publicKeys"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 3
# A signer that failed on a read may well answer the next one.
_RETRIED_STATUSES = TRANSIENT_HTTP_STATUSES | {500}


def public_keys_url(base: str) -> str:
    """The key-list endpoint under a web3signer's base URL; a URL that already names it is kept."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith(PUBLIC_KEYS_PATH):
        path += PUBLIC_KEYS_PATH
    return urlunsplit(parts._replace(path=path))


class Web3SignerClient:
    """Errors name the signer as `scheme://host[:port]` only: its URL may carry a token."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: Callable[[int], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(Problem("{web3signer_url}: expected an http:// or https:// URL"))
        self._endpoint = public_keys_url(url)
        self._node = redact_url(url)
        self._timeout = timeout
        self._retry = RetryPolicy(max_attempts, backoff, sleep=sleep)
        self._session = session if session is not None else requests.Session()

    def __repr__(self) -> str:
        return f"Web3SignerClient({self._node})"

    @property
    def source(self) -> str:
        return f"web3signer {self._node}"

    def public_keys(self) -> tuple[Secp256k1PublicKey, ...]:
        what = f"{self.source}: GET {PUBLIC_KEYS_PATH}"
        try:
            response = self._retry.run(lambda _attempt: self._get_once())
        except GaveUp as gave_up:
            raise ButlerError(f"{what}: {gave_up.describe()}") from None
        except RequestFailed as failure:
            raise ButlerError(f"{what}: connection failed ({failure.kind})") from None
        if response.status != 200:
            hint = (
                ": is this the signer's base URL, with eth1 signing enabled?"
                if response.status == 404
                else ""
            )
            raise ButlerError(f"{what}: answered HTTP {response.status}{hint}")
        try:
            data = json.loads(response.content)
        except ValueError:
            raise InputError(f"{what}: the answer is not JSON") from None
        try:
            return parse_public_key_list(data)
        except PublicKeyListError as error:
            raise InputError(*(f"{what}: {problem}" for problem in error.problems)) from None

    def _get_once(self) -> HttpAnswer:
        response = exchange(
            self._session,
            "GET",
            self._endpoint,
            seconds=self._timeout,
            headers={"Accept": "application/json"},
        )
        if response.status in _RETRIED_STATUSES:
            raise Transient(f"answered HTTP {response.status}", retry_after(response))
        return response
