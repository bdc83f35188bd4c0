"""One HTTP exchange whose failures never carry the url: requests' exceptions name the full url (and
with it any API key in its path or query), so only their class name is passed on, never chained.

A timeout or a lost connection is `Transient` (worth another attempt, if the request may be repeated);
any other failure of requests (an invalid url, too many redirects, ...) is `RequestFailed`.
"""

from __future__ import annotations

from typing import Any

import requests

from butler.adapters.http.deadline import HttpAnswer, send_within
from butler.adapters.http.retry import Transient, retry_after_seconds


class RequestFailed(Exception):
    """requests failed in a way another attempt would not mend; `kind` is its exception's class name."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def exchange(
    session: requests.Session, method: str, url: str, *, seconds: float, **options: Any
) -> HttpAnswer:
    """`send_within(session, method, url, ...)`: the whole answer within `seconds`."""
    try:
        return send_within(session, method, url, seconds=seconds, **options)
    except requests.Timeout:
        raise Transient(f"no complete answer within {seconds:.3g} s") from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise Transient(f"connection failed ({type(exc).__name__})") from None
    except requests.RequestException as exc:
        raise RequestFailed(type(exc).__name__) from None


def retry_after(answer: HttpAnswer) -> float | None:
    """The wait the answer's `Retry-After` header asks for, if any."""
    return retry_after_seconds(answer.headers.get("Retry-After"))
