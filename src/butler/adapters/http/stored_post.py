"""A POST that must be stored once, sent again only when the server says it does not hold it.

A POST whose answer was lost (no complete answer, a cut connection) or is ambiguous (HTTP 500, 502,
504: the server or a gateway failed, perhaps after storing it) may have been stored. Before anything
else the server is asked whether it holds it (`stored()`); a POST it does not hold is sent again after
a failure worth retrying (a lost answer, HTTP 429/502/503/504). A plain HTTP 500 is never sent again:
the server failed on this very request and would most likely fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from butler.adapters.http.retry import TRANSIENT_HTTP_STATUSES, RetryPolicy, Transient

# Statuses after which the POST may or may not have been stored.
UNCERTAIN_STATUSES = frozenset({500, 502, 504})


class Reply(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def retry_after(self) -> float | None: ...


R = TypeVar("R", bound=Reply)


def post_once(
    policy: RetryPolicy,
    post: Callable[[], R],
    stored: Callable[[], bool],
    *,
    explain: Callable[[R], str],
    refused: Callable[[R], Exception],
) -> None:
    """`post()` until the server stores it or holds it already. `post` raises `Transient` when its
    answer was lost; `explain(reply)` is a failure's reason, safe to show; `refused(reply)` the error
    for a failure not worth sending again. Raises `GaveUp` when the attempts run out."""

    def attempt(_number: int) -> None:
        try:
            reply = post()
        except Transient:
            if stored():  # the request may have arrived before the answer was lost
                return
            raise
        if 200 <= reply.status < 300:
            return
        if reply.status in UNCERTAIN_STATUSES and stored():
            return
        if reply.status not in TRANSIENT_HTTP_STATUSES:
            raise refused(reply)
        raise Transient(explain(reply), reply.retry_after)

    policy.run(attempt)
