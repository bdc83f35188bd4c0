"""Every POST of the JSON-RPC transport has a total deadline, and a shared deadline bounds the retries.

A node that trickles its answer one byte at a time would need minutes to finish; the calls below must
give up long before. The bounds asserted are generous multiples of the deadline (this is not a speed
test): what matters is that the call ends, and ends as a failure; bench/bench_deadlines.py measures how
close to the deadline it ends.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from butler.adapters.chain.transport import RpcTransport
from butler.domain.errors import ChainError
from tests.integration.drip_server import ANSWER_BODY, dripping

BYTE_EVERY = 0.05  # the whole answer would take minutes
DRIP_SECONDS = len(ANSWER_BODY) * BYTE_EVERY


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.mark.parametrize("header_first", [True, False], ids=["body-trickles", "status-line-trickles"])
def test_a_trickling_answer_fails_the_call_at_its_deadline(header_first: bool) -> None:
    with dripping(byte_every=BYTE_EVERY, header_first=header_first) as server:
        rpc = RpcTransport(server.url, timeout=0.5, max_attempts=2, sleep=Sleeps())
        started = time.monotonic()
        with pytest.raises(ChainError) as failed:
            rpc.request("eth_chainId")
        took = time.monotonic() - started

    assert str(failed.value) == (
        f"rpc {rpc.node}: eth_chainId failed after 2 attempts: no complete answer within 0.5 s"
    )
    assert server.requests == 2
    assert took < DRIP_SECONDS / 10


def test_a_shared_deadline_ends_retries_and_shortens_the_last_post() -> None:
    with dripping(byte_every=BYTE_EVERY) as server:
        rpc = RpcTransport(server.url, timeout=30, max_attempts=5, sleep=Sleeps())
        started = time.monotonic()
        with rpc.within(0.6), pytest.raises(ChainError) as failed:
            rpc.request("eth_chainId")
        took = time.monotonic() - started

    assert str(failed.value) == (
        f"rpc {rpc.node}: eth_chainId failed after 1 attempts: no complete answer within 0.6 s; "
        "waiting 0.25 s more would pass the deadline"
    )
    assert server.requests == 1
    assert took < 30 / 2


class _RateLimited(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(429)
        self.send_header("Retry-After", "120")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def rate_limited_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RateLimited)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_long_retry_after_is_not_waited_for_past_the_shared_deadline(rate_limited_url: str) -> None:
    sleeps = Sleeps()
    rpc = RpcTransport(rate_limited_url, timeout=5, max_attempts=5, sleep=sleeps)

    with rpc.within(10), pytest.raises(ChainError) as failed:
        rpc.request("eth_chainId")

    assert sleeps.delays == []
    assert str(failed.value) == (
        f"rpc {rpc.node}: eth_chainId failed after 1 attempts: HTTP 429; "
        "waiting 60 s more would pass the deadline"
    )


def test_outside_a_shared_deadline_a_retry_after_is_honoured_up_to_its_cap(rate_limited_url: str) -> None:
    sleeps = Sleeps()
    rpc = RpcTransport(rate_limited_url, timeout=5, max_attempts=2, sleep=sleeps)

    with pytest.raises(ChainError):
        rpc.request("eth_chainId")

    assert sleeps.delays == [60.0]
