"""JSON-RPC over HTTP for read-only calls: batching, bounded retries, errors that name the node safely.

Every method sent through this transport must be an idempotent read: a request that timed out or lost
its connection may have reached the node, and it is sent again.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import requests

from butler.adapters.chain.rate_limits import backoff_hint, is_rate_limit
from butler.adapters.http.error_text import redact_url
from butler.adapters.http.exchange import RequestFailed, exchange, retry_after
from butler.adapters.http.retry import (
    TRANSIENT_HTTP_STATUSES,
    GaveUp,
    RetryPolicy,
    Transient,
)
from butler.domain import redaction
from butler.domain.errors import ChainError

DEFAULT_MAX_BATCH = 500
# Nodes refuse large request bodies (anvil takes 2 MiB and refuses 4; hosted nodes often allow less), and
# aggregated eth_calls carry kilobytes each: a POST is also cut by size.
DEFAULT_MAX_BATCH_BYTES = 1 << 20
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT = 30.0


class RpcCall(NamedTuple):
    method: str
    params: Sequence[Any]


class RpcError(ChainError):
    """The node answered a call with a JSON-RPC error object (a revert, an unknown method, a limit ...)."""

    def __init__(self, problem: str, *, method: str, code: int | None, rpc_message: str, data: Any) -> None:
        super().__init__(problem)
        self.method = method
        self.code = code
        self.rpc_message = rpc_message
        self.data = data


class RpcTransport:
    """Sends JSON-RPC requests and batches to one node.

    `batch` splits long lists into POSTs of at most `max_batch` calls and about `max_batch_bytes` of
    JSON (a larger call goes alone) and returns results in call order. Connection failures, timeouts,
    HTTP 429/502/503/504 and answers carrying a rate-limit error object (`is_rate_limit`: the whole
    answer, or any item of a batch answer) are retried up to `max_attempts` times in all, the whole
    POST again, sleeping `backoff(n)` seconds before retry `n` (or longer if a Retry-After header or
    the error's backoff hint asks, capped at `RETRY_AFTER_CAP`; see `adapters.http.retry`).
    Anything else raises `ChainError` naming the node as `scheme://host` only.

    `timeout` bounds each POST as a whole (connecting, and the complete answer), not each socket read;
    inside `within(seconds)` every POST, retry and wait also ends by that shared deadline.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_batch: int = DEFAULT_MAX_BATCH,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        backoff: Callable[[int], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._url = url
        self.node = redact_url(url)
        self._timeout = timeout
        self._retry = RetryPolicy(max_attempts, backoff, sleep=sleep)
        self._max_batch = max_batch
        self._max_batch_bytes = max_batch_bytes
        self._session = session if session is not None else requests.Session()
        self._ids = itertools.count(1)
        self._until: float | None = None

    def __repr__(self) -> str:
        return f"RpcTransport({self.node})"

    def close(self) -> None:
        self._session.close()

    @contextlib.contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Calls made inside fail once `seconds` have passed (monotonic), whatever their retries."""
        until = time.monotonic() + seconds
        previous = self._until
        self._until = until if previous is None else min(previous, until)
        try:
            yield
        finally:
            self._until = previous

    def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One call in its own POST; returns its `result`."""
        (result,) = self.batch([RpcCall(method, params)])
        return result

    def batch(self, calls: Sequence[RpcCall]) -> list[Any]:
        """Results of all `calls` in order; the first error object among them raises `RpcError`."""
        results = self.batch_results(calls)
        for result in results:
            if isinstance(result, RpcError):
                raise result
        return results

    def batch_results(self, calls: Sequence[RpcCall]) -> list[Any]:
        """Like `batch`, but a call answered with an error object yields its `RpcError` in its place.

        Transport failures and malformed answers still raise: only the node's per-call verdicts are
        returned, so the caller can decide which of them it can recover from.
        """
        results: list[Any] = []
        for chunk in _chunks(calls, self._max_batch, self._max_batch_bytes):
            results.extend(self._post_chunk(chunk))
        return results

    def _post_chunk(self, calls: Sequence[RpcCall]) -> list[Any]:
        ids = [next(self._ids) for _ in calls]
        payload = [
            {"jsonrpc": "2.0", "id": id_, "method": call.method, "params": list(call.params)}
            for id_, call in zip(ids, calls, strict=True)
        ]
        describe = _describe(calls)
        # A lone call goes as a plain request: some gateways handle batches worse than single calls.
        answer = self._post_with_retries(payload[0] if len(payload) == 1 else payload, describe)
        if isinstance(answer, dict):
            if len(calls) > 1:
                raise self._malformed(describe, "the batch was refused: " + _error_text(answer.get("error")))
            if answer.get("id") is None and "error" in answer:
                answer = {**answer, "id": ids[0]}
            answer = [answer]
        return self._match_answers(calls, ids, answer)

    def _post_with_retries(self, payload: Any, describe: str) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode()
        try:
            return self._retry.run(
                lambda attempt: self._post_once(body, describe, self._seconds_left(describe, attempt)),
                until=self._until,
            )
        except GaveUp as gave_up:
            raise ChainError(f"rpc {self.node}: {describe} {gave_up.describe()}") from None

    def _seconds_left(self, describe: str, attempt: int) -> float:
        """How long the next POST may take: `timeout`, or less when the shared deadline is nearer."""
        if self._until is None:
            return self._timeout
        left = self._until - time.monotonic()
        if left <= 0:
            tried = f" after {attempt - 1} attempts" if attempt > 1 else ""
            raise ChainError(f"rpc {self.node}: {describe} failed{tried}: the deadline passed")
        return min(self._timeout, left)

    def _post_once(self, body: bytes, describe: str, seconds: float) -> Any:
        try:
            response = exchange(
                self._session,
                "POST",
                self._url,
                seconds=seconds,
                data=body,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
        except RequestFailed as failure:
            raise ChainError(f"rpc {self.node}: {describe} failed: {failure.kind}") from None
        content = response.content
        if response.status in TRANSIENT_HTTP_STATUSES:
            raise Transient(f"HTTP {response.status}", retry_after=retry_after(response))
        try:
            decoded = json.loads(content)
        except ValueError:
            decoded = None
        if response.status != 200:
            error = decoded.get("error") if isinstance(decoded, dict) else None
            detail = f": {_error_text(error)}" if isinstance(error, dict) else ""
            raise ChainError(f"rpc {self.node}: {describe} failed: HTTP {response.status}{detail}")
        if decoded is None:
            raise ChainError(f"rpc {self.node}: {describe}: the answer is not JSON")
        _raise_if_rate_limited(decoded)
        return decoded

    def _match_answers(self, calls: Sequence[RpcCall], ids: list[int], answer: Any) -> list[Any]:
        describe = _describe(calls)
        if not isinstance(answer, list):
            raise self._malformed(describe, "expected a list of answers for a batch")
        by_id: dict[int, dict[str, Any]] = {}
        for item in answer:
            if not isinstance(item, dict) or not isinstance(item.get("id"), int) or item["id"] in by_id:
                raise self._malformed(describe, "an answer without a unique numeric id")
            by_id[item["id"]] = item
        missing = [call.method for id_, call in zip(ids, calls, strict=True) if id_ not in by_id]
        if missing or len(by_id) != len(ids):
            raise self._malformed(
                describe, f"{len(missing)} of {len(calls)} calls unanswered or answers with unknown ids"
            )
        results: list[Any] = []
        for id_, call in zip(ids, calls, strict=True):
            item = by_id[id_]
            if "error" in item and item["error"] is not None:
                results.append(self._rpc_error(call, item["error"]))
            elif "result" in item:
                results.append(item["result"])
            else:
                raise self._malformed(describe, f"the answer to {call.method} has neither result nor error")
        return results

    def _rpc_error(self, call: RpcCall, error: Any) -> RpcError:
        if not isinstance(error, dict):
            return RpcError(
                f"rpc {self.node}: {call.method} failed: malformed error {_error_text(error)}",
                method=call.method,
                code=None,
                rpc_message=str(error),
                data=None,
            )
        code = error.get("code")
        message = str(error.get("message", ""))
        return RpcError(
            f"rpc {self.node}: {call.method} failed: {_error_text(error)}",
            method=call.method,
            code=code if isinstance(code, int) else None,
            rpc_message=message,
            data=error.get("data"),
        )

    def _malformed(self, describe: str, why: str) -> ChainError:
        return ChainError(f"rpc {self.node}: malformed answer to {describe}: {why}")


def _chunks(calls: Sequence[RpcCall], max_calls: int, max_bytes: int) -> Iterator[Sequence[RpcCall]]:
    """Consecutive runs of `calls`, each at most `max_calls` long and about `max_bytes` of JSON."""
    start, size = 0, 0
    for index, call in enumerate(calls):
        cost = _ENVELOPE_BYTES + len(call.method) + len(json.dumps(list(call.params), separators=(",", ":")))
        if index > start and (index - start >= max_calls or size + cost > max_bytes):
            yield calls[start:index]
            start, size = index, 0
        size += cost
    if start < len(calls):
        yield calls[start:]


_ENVELOPE_BYTES = 64  # {"jsonrpc":"2.0","id":N,"method":"","params":} and the separators around it


def _describe(calls: Sequence[RpcCall]) -> str:
    if len(calls) == 1:
        return calls[0].method
    methods = sorted({call.method for call in calls})
    return f"a batch of {len(calls)} calls ({', '.join(methods)})"


def one_line(text: str, limit: int = 160) -> str:
    """Text from a node or a contract, fit for a one-line message: redacted, then cut to `limit`."""
    return redaction.one_line(text, limit)


def _error_text(error: Any) -> str:
    if not isinstance(error, dict):
        return one_line(repr(error), 200)
    text = f"{one_line(str(error.get('message', '')))} (code {error.get('code')})"
    data = error.get("data")
    if isinstance(data, str) and data:
        text += f" data {one_line(data, 200)}"
    return text


def _raise_if_rate_limited(answer: Any) -> None:
    # One rate-limited item makes the whole POST transient: every call here is a read, so sending the
    # answered ones again is harmless, and it keeps a batch's results from one moment of the chain.
    items = answer if isinstance(answer, list) else [answer]
    errors = [item.get("error") for item in items if isinstance(item, dict)]
    limits = [error for error in errors if is_rate_limit(error)]
    if not limits:
        return
    hints = [hint for hint in map(backoff_hint, limits) if hint is not None]
    raise Transient(f"rate limited: {_error_text(limits[0])}", retry_after=max(hints, default=None))
