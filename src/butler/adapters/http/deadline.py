"""One HTTP exchange with a total deadline: connecting, the headers and the whole body.

A timeout given to requests bounds each socket read, not the exchange: a server that sends one byte
every few seconds never trips it. Here the exchange runs in a worker thread that the caller waits for
until the deadline, so a trickling status line or header cannot hold the caller either. The worker
reads the body in pieces as they arrive and stops at the first piece after the deadline; a silent
server ends it by the per-read timeout. Until then it is a daemon thread holding one connection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import requests
import urllib3


class HttpAnswer(NamedTuple):
    status: int
    headers: Mapping[str, str]
    content: bytes


class _TooLate(requests.Timeout):
    """No complete answer within the deadline."""


def send_within(
    session: requests.Session, method: str, url: str, *, seconds: float, **options: Any
) -> HttpAnswer:
    """`session.request(method, url, **options)`, answered in full within `seconds`, else `requests.Timeout`.

    Every exception is one of requests' (its messages may hold the url: callers show only the class).
    """
    deadline = time.monotonic() + seconds
    outcome: list[HttpAnswer | BaseException] = []
    done = threading.Event()

    def exchange() -> None:
        try:
            outcome.append(
                _read_all(session, method, url, deadline=deadline, seconds=seconds, options=options)
            )
        except BaseException as error:  # handed to the waiting caller
            outcome.append(error)
        finally:
            done.set()

    threading.Thread(target=exchange, name="http-exchange", daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        raise _TooLate(f"no complete answer within {seconds:g} s")
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def _read_all(
    session: requests.Session,
    method: str,
    url: str,
    *,
    deadline: float,
    seconds: float,
    options: dict[str, Any],
) -> HttpAnswer:
    response = session.request(method, url, stream=True, timeout=(seconds, seconds), **options)
    try:
        raw = response.raw
        # read1 hands over what has arrived; read(n) would wait for n bytes and miss the deadline.
        read = raw.read1 if hasattr(raw, "read1") else raw.read
        pieces = []
        while True:
            if time.monotonic() > deadline:
                raise _TooLate(f"no complete answer within {seconds:g} s")
            try:
                piece = read(65536, decode_content=True)
            except (TimeoutError, urllib3.exceptions.ReadTimeoutError):
                raise requests.exceptions.ReadTimeout("read timed out") from None
            except Exception as error:
                raise requests.exceptions.ChunkedEncodingError(type(error).__name__) from None
            if not piece:
                break
            pieces.append(piece)
        return HttpAnswer(response.status_code, response.headers, b"".join(pieces))
    finally:
        response.close()
