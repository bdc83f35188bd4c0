"""The Safe Transaction Service's HTTP side: requests with the API key, bounded retries, and errors
that are one line naming what was being done, the status and the service's own words, never the
proposer key, the API key or the service URL's path (only `scheme://host`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import requests

from butler.adapters.http.error_text import page_text, server_words
from butler.adapters.http.exchange import RequestFailed, exchange, retry_after
from butler.adapters.http.retry import TRANSIENT_HTTP_STATUSES, GaveUp, RetryPolicy, Transient
from butler.adapters.http.stored_post import post_once
from butler.domain.errors import ButlerError
from butler.domain.secret_text import SecretText

MESSAGE_LIMIT = 200


class TxServiceError(ButlerError):
    """The Safe Transaction Service refused a request, failed, or answered something unusable."""


@attrs.frozen
class Answer:
    status: int
    body: Any  # decoded JSON, or None
    text: str
    retry_after: float | None


class ServiceHttp:
    """Requests to the service at `base` (named `service` in errors). The API key and what `secrets()`
    reveals are masked wherever the service's words are shown, in every form it may echo them."""

    def __init__(
        self,
        *,
        base: str,
        service: str,
        api_key: SecretText | None,
        secrets: Callable[[], Sequence[str]],
        timeout: float,
        retry: RetryPolicy,
        session: requests.Session,
    ) -> None:
        self._base = base
        self.service = service
        self._api_key = api_key
        self._secrets = secrets
        self._timeout = timeout
        self._retry = retry
        self._session = session

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, what: str, params: dict[str, str] | None = None) -> Answer:
        """A GET, retried on connection failures and transient statuses; other answers returned."""

        def attempt(_number: int) -> Answer:
            answer = self._send("GET", path, params=params)
            if answer.status in TRANSIENT_HTTP_STATUSES:
                raise Transient(self._reason(answer), answer.retry_after)
            return answer

        try:
            return self._retry.run(attempt)
        except GaveUp as gave_up:
            raise self._gave_up(what, gave_up) from None

    def post(self, path: str, payload: bytes, what: str, stored: Callable[[], bool]) -> None:
        """A POST stored once (`adapters.http.stored_post`): `stored()` asks whether the service holds it."""
        try:
            post_once(
                self._retry,
                lambda: self._send("POST", path, payload=payload),
                stored,
                explain=self._reason,
                refused=lambda answer: self.http_error(answer, what),
            )
        except GaveUp as gave_up:
            raise self._gave_up(what, gave_up) from None

    def expect_ok(self, answer: Answer, what: str) -> Any:
        if answer.status != 200:
            raise self.http_error(answer, what)
        if answer.body is None:
            raise self.malformed(what, "the answer is not JSON")
        return answer.body

    def http_error(self, answer: Answer, what: str) -> TxServiceError:
        hint = ""
        if answer.status in (401, 403):
            hint = " (check the Safe API key)"
        elif 300 <= answer.status < 400:
            hint = " (a redirect: check safe_tx_service_url)"
        return TxServiceError(
            f"Safe Transaction Service {self.service}: {what} failed: HTTP {answer.status}: "
            f"{self.message(answer)}{hint}"
        )

    def malformed(self, what: str, why: str) -> TxServiceError:
        return TxServiceError(f"Safe Transaction Service {self.service}: {what}: malformed answer: {why}")

    def message(self, answer: Answer) -> str:
        """The service's own words, on one line, trimmed, without anything secret in them."""
        text = _message_of(answer.body) if answer.body is not None else page_text(answer.text)
        known = [*self._secrets(), *([self._api_key.reveal()] if self._api_key is not None else [])]
        return server_words(text, MESSAGE_LIMIT, known=known) or "no message"

    def _reason(self, answer: Answer) -> str:
        return f"HTTP {answer.status}: {self.message(answer)}"

    def _gave_up(self, what: str, gave_up: GaveUp) -> TxServiceError:
        return TxServiceError(f"Safe Transaction Service {self.service}: {what} {gave_up.describe()}")

    def _send(
        self, method: str, path: str, *, params: dict[str, str] | None = None, payload: bytes | None = None
    ) -> Answer:
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        try:
            response = exchange(
                self._session,
                method,
                self._base + path,
                seconds=self._timeout,
                params=params,
                data=payload,
                headers=headers,
                allow_redirects=False,
            )
        except RequestFailed as failure:
            raise TxServiceError(
                f"Safe Transaction Service {self.service}: {method} failed: {failure.kind}"
            ) from None
        text = response.content.decode("utf-8", errors="replace")
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        return Answer(response.status, body, text, retry_after(response))


def _message_of(body: Any) -> str:
    """What the service says went wrong, from the shapes its errors take (Django REST framework's
    field lists, `detail`, `message`, `nonFieldErrors`)."""
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        return "; ".join(_message_of(item) for item in body)
    if isinstance(body, dict):
        for key in ("message", "detail", "nonFieldErrors", "non_field_errors"):
            if body.get(key):
                text = _message_of(body[key])
                field = body.get("field")
                return f"{field}: {text}" if isinstance(field, str) and field else text
        return "; ".join(f"{key}: {_message_of(value)}" for key, value in body.items() if key != "code")
    return json.dumps(body)
