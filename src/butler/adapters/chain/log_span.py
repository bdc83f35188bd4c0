"""How many blocks to ask for per `eth_getLogs`: as many as the node takes, found while scanning.

Nodes refuse a range for its width (a fixed limit: "max 10,000 blocks") or for its result ("more than
10,000 logs"), which moves with the density of events. So a refused span is halved (or falls back to the
largest span the node recently took), a taken one grows again, and the growth stops short of the smallest
span refused, converging on the limit by bisection. A refusal is only remembered for a while: a dense
stretch of blocks must not slow the rest of the scan forever. So the refused span is tried again after a
number of accepted requests that doubles each time the node still refuses it (8, 16, 32, ... 512): a fixed
limit costs a refusal now and then, a passing one is left behind soon.
"""

from __future__ import annotations

FIRST_RETRY_AFTER = 8
LAST_RETRY_AFTER = 512
# Closer than this fraction of the accepted span, the bisection stops: a request saved is worth more than
# a few more blocks per request.
_CLOSE_ENOUGH = 8


class LogSpan:
    """The span for the next request; call `accepted` or `refused` with the size of each request made.

    `maximum` caps every span (None: the first request asks for the whole range).
    """

    def __init__(self, maximum: int | None = None) -> None:
        if maximum is not None and maximum < 1:
            raise ValueError("a log span is at least one block")
        self._maximum = maximum
        self._retry_after = FIRST_RETRY_AFTER
        self._retrying = False
        self._span = maximum
        self._good: int | None = None  # the largest span accepted since the last refusal of it
        self._ceiling: int | None = None  # the smallest span refused (recently)
        self._streak = 0

    @property
    def current(self) -> int | None:
        """Blocks per request, or None for "the whole range"."""
        return self._span

    def size(self, remaining: int) -> int:
        return remaining if self._span is None else min(self._span, remaining)

    def accepted(self, size: int) -> None:
        self._streak += 1
        self._good = max(self._good or 0, size)
        if self._retrying:
            self._retrying = False
            self._retry_after = FIRST_RETRY_AFTER
        if self._span is None or size < self._span:
            return  # the whole range, or the last piece of one: says nothing about the limit
        if self._ceiling is None:
            self._span = self._capped(2 * self._span)
        elif self._streak >= self._retry_after:
            self._streak = 0
            self._retrying = True
            self._span, self._ceiling = self._ceiling, None
        elif self._ceiling - self._good > max(1, self._good // _CLOSE_ENOUGH):
            self._span = (self._good + self._ceiling) // 2
        else:
            self._span = self._good

    def refused(self, size: int) -> None:
        """The node refused `size` blocks as too many. Raises ValueError for a single block: no smaller
        request exists."""
        if size <= 1:
            raise ValueError("the node refuses even a single block")
        self._streak = 0
        if self._retrying:
            self._retrying = False
            self._retry_after = min(2 * self._retry_after, LAST_RETRY_AFTER)
        self._ceiling = size if self._ceiling is None else min(self._ceiling, size)
        if self._good is not None and self._good >= size:
            self._good = None  # taken before, refused now: the logs got denser
        half = size // 2
        self._span = self._good if self._good is not None and self._good >= half else half

    def _capped(self, span: int) -> int:
        return span if self._maximum is None else min(span, self._maximum)
