"""Bounded retries: how many attempts, how long between them, what the server asks, and the deadline.

An attempt that may succeed if made again raises `Transient` with a reason safe to show; anything else
it raises passes through at once. Before retry `n` the policy sleeps `backoff(n)` seconds, or longer
when the server asked (`Retry-After` in seconds or as an HTTP date, or a hint in its answer), never
more than `retry_after_cap`. Given a deadline, it gives up instead of a wait that would pass it, so a
caller with a budget (the scraper's cycle) is never held past it by a long Retry-After.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import UTC
from typing import TypeVar

import attrs

RETRY_AFTER_CAP = 60.0

# Statuses a gateway or rate limiter answers with while the server itself may be fine.
TRANSIENT_HTTP_STATUSES = frozenset({429, 502, 503, 504})

T = TypeVar("T")


class Transient(Exception):
    """A failure worth another attempt; `reason` is safe to show (it never holds the url or a secret).
    `retry_after`: the seconds the server asked us to wait, if it did."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class GaveUp(Exception):
    """Every attempt failed, or waiting for the next would pass the deadline (`wait` is that wait)."""

    def __init__(self, reason: str, attempts: int, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.wait = wait

    def describe(self) -> str:
        """`failed after N attempts: <last reason>[; waiting S s more would pass the deadline]`."""
        text = f"failed after {self.attempts} attempts: {self.reason}"
        if self.wait is not None:
            text += f"; waiting {self.wait:.3g} s more would pass the deadline"
        return text


def exponential_backoff(base: float = 0.25, factor: float = 2.0, cap: float = 8.0) -> Callable[[int], float]:
    """Delay before retry number `n` (1-based): base, base*factor, ... never more than `cap`."""

    def delay(retry: int) -> float:
        return float(min(cap, base * factor ** (retry - 1)))

    return delay


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """The wait a `Retry-After` header asks for: delay-seconds, or an HTTP date (a date already past
    asks for none). None when there is no header or it is neither."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": a date in UTC whose sender did not say where it was
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


def _or_exponential(backoff: Callable[[int], float] | None) -> Callable[[int], float]:
    """A client left to its default backs off exponentially."""
    return backoff if backoff is not None else exponential_backoff()


@attrs.frozen
class RetryPolicy:
    """At most `max_attempts` attempts, sleeping `backoff(n)` (or what the server asks, up to
    `retry_after_cap`) before retry `n`."""

    max_attempts: int = attrs.field()
    backoff: Callable[[int], float] = attrs.field(default=None, converter=_or_exponential)
    sleep: Callable[[float], None] = time.sleep
    retry_after_cap: float = RETRY_AFTER_CAP

    @max_attempts.validator
    def _at_least_one(self, _attribute: object, value: int) -> None:
        if value < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry `retry`: the backoff, or longer if the server asked (capped)."""
        delay = self.backoff(retry)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_cap))
        return delay

    def run(self, attempt: Callable[[int], T], *, until: float | None = None) -> T:
        """`attempt(n)` for n = 1, 2, ... until it returns; `GaveUp` when attempts run out or, given
        `until` (a `time.monotonic()` instant), when the next wait would reach it."""
        for number in range(1, self.max_attempts + 1):
            try:
                return attempt(number)
            except Transient as failure:
                if number == self.max_attempts:
                    raise GaveUp(failure.reason, number) from None
                delay = self.delay(number, failure.retry_after)
                if until is not None and time.monotonic() + delay >= until:
                    raise GaveUp(failure.reason, number, wait=delay) from None
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
