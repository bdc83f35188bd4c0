"""The HTTP foundation every client shares: retries with Retry-After (seconds or a date) within a
deadline, "was my POST stored?", and what an error may say about the server."""

from __future__ import annotations

import email.utils
import time

import attrs
import pytest

from butler.adapters.http.error_text import page_text, redact_url, server_words
from butler.adapters.http.retry import (
    RETRY_AFTER_CAP,
    GaveUp,
    RetryPolicy,
    Transient,
    exponential_backoff,
    retry_after_seconds,
)
from butler.adapters.http.stored_post import post_once

NOW = 1_700_000_000.0
KEY = "0x" + "ab12" * 16


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def policy(sleeps: Sleeps, max_attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(max_attempts, exponential_backoff(base=1.0, factor=2.0), sleep=sleeps)


def failing(*failures: Transient, then: str = "done"):
    """An attempt that raises `failures` one after another, then returns `then`; `calls` counts."""
    pending = list(failures)
    calls: list[int] = []

    def attempt(number: int) -> str:
        calls.append(number)
        if pending:
            raise pending.pop(0)
        return then

    return attempt, calls


# --- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        ("Tue, 14 Nov 2023 22:14:20 -0000", 0.0 + 1_700_000_060 - NOW),  # a UTC date without a zone name
        (email.utils.formatdate(NOW - 600, usegmt=True), 0.0),  # already past: no wait
        (None, None),
        ("-3", None),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=lambda: NOW) == seconds


@pytest.mark.parametrize(
    ("retry_after", "delay"),
    [(None, 2.0), (0.5, 2.0), (7.0, 7.0), (3600.0, RETRY_AFTER_CAP)],
    ids=["none", "shorter-than-backoff", "longer", "capped"],
)
def test_a_retry_waits_the_backoff_or_what_the_server_asks_never_more_than_the_cap(
    retry_after: float | None, delay: float
) -> None:
    sleeps = Sleeps()
    attempt, _calls = failing(Transient("HTTP 503"), Transient("HTTP 429", retry_after))
    assert policy(sleeps).run(attempt) == "done"
    assert sleeps.delays == [1.0, delay]


# --- bounded attempts and the deadline --------------------------------------------------------------


def test_after_the_last_attempt_the_last_reason_is_told() -> None:
    sleeps = Sleeps()
    attempt, calls = failing(*(Transient(f"HTTP 50{n}") for n in range(3)))
    with pytest.raises(GaveUp) as gave_up:
        policy(sleeps, max_attempts=3).run(attempt)
    assert gave_up.value.describe() == "failed after 3 attempts: HTTP 502"
    assert calls == [1, 2, 3]
    assert sleeps.delays == [1.0, 2.0]


def test_a_failure_that_is_not_transient_is_not_tried_again() -> None:
    sleeps = Sleeps()
    calls: list[int] = []

    def attempt(number: int) -> str:
        calls.append(number)
        raise LookupError("refused")

    with pytest.raises(LookupError):
        policy(sleeps).run(attempt)
    assert calls == [1] and sleeps.delays == []


def test_a_wait_that_would_pass_the_deadline_is_not_begun() -> None:
    sleeps = Sleeps()
    attempt, calls = failing(Transient("HTTP 429", retry_after=30.0))
    with pytest.raises(GaveUp) as gave_up:
        policy(sleeps).run(attempt, until=time.monotonic() + 10)
    assert gave_up.value.describe() == (
        "failed after 1 attempts: HTTP 429; waiting 30 s more would pass the deadline"
    )
    assert calls == [1] and sleeps.delays == []


def test_a_wait_within_the_deadline_is_made() -> None:
    sleeps = Sleeps()
    attempt, _calls = failing(Transient("HTTP 429", retry_after=30.0))
    assert policy(sleeps).run(attempt, until=time.monotonic() + 100) == "done"
    assert sleeps.delays == [30.0]


def test_a_policy_makes_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        RetryPolicy(0)


# --- was my POST stored? ------------------------------------------------------------------------------


@attrs.frozen
class Reply:
    status: int
    retry_after: float | None = None


class Service:
    """Answers each POST with the next of `replies` (a `Transient` is raised: the answer was lost) and
    says it holds the POST once `holds` is set."""

    def __init__(self, *replies: Reply | Transient, holds: bool = False) -> None:
        self.replies = list(replies)
        self.holds = holds
        self.posts = 0
        self.asked = 0

    def post(self) -> Reply:
        self.posts += 1
        reply = self.replies.pop(0)
        if isinstance(reply, Transient):
            raise reply
        return reply

    def stored(self) -> bool:
        self.asked += 1
        return self.holds


def send(service: Service, sleeps: Sleeps) -> None:
    post_once(
        policy(sleeps),
        service.post,
        service.stored,
        explain=lambda reply: f"HTTP {reply.status}",
        refused=lambda reply: LookupError(f"refused with HTTP {reply.status}"),
    )


@pytest.mark.parametrize(
    "lost", [Transient("connection failed (ConnectionError)"), Reply(500), Reply(502), Reply(504)]
)
def test_a_post_whose_answer_was_lost_or_unclear_is_not_sent_again_when_stored(lost) -> None:
    service, sleeps = Service(lost, holds=True), Sleeps()
    send(service, sleeps)
    assert (service.posts, service.asked, sleeps.delays) == (1, 1, [])


def test_a_post_not_stored_is_sent_again_after_a_lost_answer_or_a_busy_service() -> None:
    service, sleeps = (
        Service(Transient("no complete answer within 30 s"), Reply(429, 5.0), Reply(201)),
        Sleeps(),
    )
    send(service, sleeps)
    assert (service.posts, service.asked, sleeps.delays) == (3, 1, [1.0, 5.0])


def test_a_plain_500_not_stored_is_never_sent_again() -> None:
    service, sleeps = Service(Reply(500), Reply(201)), Sleeps()
    with pytest.raises(LookupError, match="refused with HTTP 500"):
        send(service, sleeps)
    assert (service.posts, service.asked) == (1, 1)


def test_a_post_refused_outright_is_not_checked_nor_sent_again() -> None:
    service, sleeps = Service(Reply(422), Reply(201)), Sleeps()
    with pytest.raises(LookupError, match="refused with HTTP 422"):
        send(service, sleeps)
    assert (service.posts, service.asked) == (1, 0)


# --- what errors may say --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://eth-mainnet.g.alchemy.com/v2/KEY123", "https://eth-mainnet.g.alchemy.com"),
        ("https://user:pass@rpc.example.org:8545/path?key=abc", "https://rpc.example.org:8545"),
        ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
        ("http://[::1]:8545/x", "http://[::1]:8545"),
        ("http://host:99999", "<invalid url>"),
        ("not a url", "<invalid url>"),
    ],
)
def test_a_server_is_named_by_scheme_host_and_port_only(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_a_servers_words_lose_every_form_of_a_known_secret_and_fit_one_line() -> None:
    words = f"bad signature\\n for {KEY} (raw {KEY[2:].upper()}) with key s3cr3t-api-key\n" + "x" * 300
    line = server_words(words, 80, known=[KEY, "s3cr3t-api-key"])
    assert "ab12" not in line.lower() and "s3cr3t" not in line
    assert "\n" not in line and len(line) == 80
    assert line.startswith("bad signature\\n for <redacted> (raw <redacted>) with key <redacted>")


def test_an_error_page_is_read_without_its_markup() -> None:
    page = "<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>"
    assert server_words(page_text(page), 80) == "502 Bad Gateway nginx"
