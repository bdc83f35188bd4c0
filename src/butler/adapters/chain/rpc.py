"""JSON-RPC over HTTP for read-only calls: batching, bounded retries, errors that name the node safely.

Every method sent through this transport must be an idempotent read: a request that timed out or lost
its connection may have reached the node, and it is sent again.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

from butler.adapters.http.deadline import send_within
from butler.domain import redaction
from butler.domain.errors import ChainError

DEFAULT_MAX_BATCH = 500
# Nodes refuse large request bodies (anvil takes 2 MiB and refuses 4; hosted nodes often allow less), and
# aggregated eth_calls carry kilobytes each: a POST is also cut by size.
DEFAULT_MAX_BATCH_BYTES = 1 << 20
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT = 30.0
RETRY_AFTER_CAP = 60.0

# Statuses a gateway or rate limiter answers with while the node itself may be fine.
TRANSIENT_HTTP_STATUSES = frozenset({429, 502, 503, 504})

# JSON-RPC error codes hosted services use for nothing but rate limits (see `is_rate_limit`).
RATE_LIMIT_CODES = frozenset({429, -32007, -32029, -32090})
# Infura's "limit exceeded": a rate limit, but also its answer to an eth_getLogs result that is too large.
_LIMIT_EXCEEDED_CODE = -32005
_RATE_LIMIT_MESSAGE = re.compile(
    r"\brate[\s_-]?limit|\btoo many requests\b|\brequest limit\b|\brequest count\b|\bper second\b"
    r"|\bquota\b|\bcredits\b"
    r"|\bexceeded\b.*\b(?:capacity|rate)\b|\b(?:capacity|rate)\b.*\bexceeded\b"
)


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


def redact_url(url: str) -> str:
    """`scheme://host[:port]` only: paths, queries and user info of RPC urls often carry API keys."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "<invalid rpc url>"
    if not parts.scheme or not host:
        return "<invalid rpc url>"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def exponential_backoff(base: float = 0.25, factor: float = 2.0, cap: float = 8.0) -> Callable[[int], float]:
    """Delay before retry number `n` (1-based): base, base*factor, ... never more than `cap`."""

    def delay(retry: int) -> float:
        return float(min(cap, base * factor ** (retry - 1)))

    return delay


def is_rate_limit(error: Any) -> bool:
    """Whether a JSON-RPC error object says the service is rate limiting us (so asking again later helps).

    Hosted services answer with HTTP 200 and such an error object rather than HTTP 429:
      429     Alchemy ("Your app has exceeded its compute units per second capacity ...");
      -32005  Infura ("daily request count exceeded, request rate limited", data.rate.backoff_seconds);
              the same code is Infura's answer to an eth_getLogs result that is too large, so it counts
              only with rate-limit words in the message or a backoff hint in its data;
      -32007  "request limit reached" (QuickNode and others);
      -32029  "Too many requests";
      -32090  Chainstack ("Too Many Requests").
    Any other code counts when the message clearly says so ("rate limit", "too many requests", "request
    limit", "request count", "per second", "quota", "credits", "exceeded" with "capacity" or "rate"). A
    revert (code 3, revert data, "revert" in the message) never does.
    """
    if not isinstance(error, dict):
        return False
    code = error.get("code")
    message = str(error.get("message", "")).lower()
    data = error.get("data")
    if code == 3 or "revert" in message or (isinstance(data, str) and data.startswith("0x")):
        return False
    says_so = _RATE_LIMIT_MESSAGE.search(message) is not None
    if code == _LIMIT_EXCEEDED_CODE:
        return says_so or backoff_hint(error) is not None
    return code in RATE_LIMIT_CODES or says_so


def backoff_hint(error: Any) -> float | None:
    """Seconds a rate-limit error object asks us to wait: Infura's data.rate.backoff_seconds (or, in
    its older answers, data.backoff_seconds); None when it does not say."""
    data = error.get("data") if isinstance(error, dict) else None
    if not isinstance(data, dict):
        return None
    rate = data.get("rate")
    for holder in (rate if isinstance(rate, dict) else {}, data):
        seconds = holder.get("backoff_seconds")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool) and 0 <= seconds < float("inf"):
            return float(seconds)
    return None


class _Transient(Exception):
    """A failure worth retrying; `reason` is safe to show (it never contains the url)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class RpcTransport:
    """Sends JSON-RPC requests and batches to one node.

    `batch` splits long lists into POSTs of at most `max_batch` calls and about `max_batch_bytes` of
    JSON (a larger call goes alone) and returns results in call order. Connection failures, timeouts,
    HTTP 429/502/503/504 and answers carrying a rate-limit error object (`is_rate_limit`: the whole
    answer, or any item of a batch answer) are retried up to
    `max_attempts` times in all, the whole POST again, sleeping `backoff(n)` seconds before retry `n`
    (or longer if a 429's Retry-After or the error's backoff hint asks, capped at RETRY_AFTER_CAP).
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
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._url = url
        self.node = redact_url(url)
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._max_batch = max_batch
        self._max_batch_bytes = max_batch_bytes
        self._backoff = backoff if backoff is not None else exponential_backoff()
        self._sleep = sleep
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
        for attempt in range(1, self._max_attempts + 1):
            try:
                return self._post_once(body, describe, self._seconds_left(describe, attempt))
            except _Transient as failure:
                if attempt == self._max_attempts:
                    raise ChainError(
                        f"rpc {self.node}: {describe} failed after {attempt} attempts: {failure.reason}"
                    ) from None
                delay = self._backoff(attempt)
                if failure.retry_after is not None:
                    delay = max(delay, min(failure.retry_after, RETRY_AFTER_CAP))
                if self._until is not None and time.monotonic() + delay >= self._until:
                    raise ChainError(
                        f"rpc {self.node}: {describe} failed after {attempt} attempts: {failure.reason}; "
                        f"waiting {delay:.3g} s more would pass the deadline"
                    ) from None
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

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
        # Exceptions from requests carry the full url (and with it any API key), so only their class
        # name is passed on, and they are never chained.
        try:
            response = send_within(
                self._session,
                "POST",
                self._url,
                seconds=seconds,
                data=body,
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            )
        except requests.Timeout:
            raise _Transient(f"no complete answer within {seconds:.3g} s") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _Transient(f"connection failed ({type(exc).__name__})") from None
        except requests.RequestException as exc:
            raise ChainError(f"rpc {self.node}: {describe} failed: {type(exc).__name__}") from None
        content = response.content
        if response.status in TRANSIENT_HTTP_STATUSES:
            raise _Transient(
                f"HTTP {response.status}", retry_after=_retry_after(response.headers.get("Retry-After"))
            )
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
    raise _Transient(f"rate limited: {_error_text(limits[0])}", retry_after=max(hints, default=None))


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
