"""What went wrong with one secret, told without its payload: every failure of a Secret Manager call
is rebuilt from its status and the server's message, with the key scrubbed out by the domain's rule."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import TypeVar

import google.auth.exceptions
import requests
from google.api_core import exceptions as api

from butler.adapters.secrets.gcp_layout import payload
from butler.domain import redaction
from butler.ports.secret_store import KeyToKeep

_MESSAGE_LIMIT = 300
_REST_PREFIX = re.compile(r"^[A-Z]+ \S+: ")

T = TypeVar("T")


class SecretProblem(Exception):
    """What went wrong with one secret, already safe to show. `conflict`: the store holds another key;
    `hint`: what to do about it, said once however many secrets it concerns."""

    def __init__(self, message: str, *, conflict: bool = False, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.conflict = conflict
        self.hint = hint


class Absent(Exception):
    """NOT_FOUND: the secret, or any version of it, does not exist."""


def conflict(name: str, key: KeyToKeep) -> SecretProblem:
    return SecretProblem(
        f"{name}: already holds a different {key.kind} key for {key.address}; not overwritten",
        conflict=True,
    )


def guarded(call: Callable[[], T], *, key: KeyToKeep, name: str, project: str, retried_for: float) -> T:
    """`call()` on secret `name`, with every failure but NOT_FOUND (`Absent`) turned into a `SecretProblem`
    that carries no payload; `retried_for` is how long the call's own retries lasted at most."""
    try:
        return call()
    except api.NotFound:
        raise Absent from None
    except api.RetryError as error:
        raise SecretProblem(
            f"{name}: Secret Manager still unavailable after retrying for {retried_for:g}s: "
            f"{_describe(error.cause, key)}"
        ) from None
    except api.Forbidden as error:
        raise SecretProblem(
            f"{name}: {_describe(error, key)}",
            hint=f"the credentials need roles/secretmanager.admin on project {project} (or "
            "the permissions secretmanager.secrets.create, .versions.add and .versions.access)",
        ) from None
    except api.Unauthorized as error:
        raise SecretProblem(
            f"{name}: {_describe(error, key)}",
            hint="the Google credentials were refused: renew them (`gcloud auth application-default "
            "login`) or check GOOGLE_APPLICATION_CREDENTIALS",
        ) from None
    except api.BadRequest as error:
        if _status(error) != "FAILED_PRECONDITION":
            raise SecretProblem(f"{name}: {_describe(error, key)}") from None
        raise SecretProblem(
            f"{name}: the latest version cannot be read, it may be disabled or destroyed "
            f"({_describe(error, key)}); not touching it"
        ) from None
    except (api.GoogleAPIError, requests.RequestException) as error:
        raise SecretProblem(f"{name}: {_describe(error, key)}") from None
    except google.auth.exceptions.GoogleAuthError as error:
        raise SecretProblem(
            f"{name}: Google credentials could not be used: {_describe(error, key)}"
        ) from None


def _describe(error: BaseException | None, key: KeyToKeep) -> str:
    """The error's own text on one line, with this key's payload masked in the forms a server might
    echo it (hex either case, base64) and anything else key-shaped (the domain's rule), cut short."""
    if error is None:
        return "no answer"
    if isinstance(error, api.GoogleAPICallError):
        # The REST transport prefixes the server's message with the method and URL; the secret is
        # already named in the problem.
        text = f"{error.code} {_status(error)}: {_REST_PREFIX.sub('', error.message or '')}"
    else:
        text = f"{type(error).__name__}: {error}"
    held = payload(key).decode()
    echoes = (held, held[2:], base64.b64encode(held.encode()).decode())
    return redaction.one_line(text, _MESSAGE_LIMIT, known=echoes)


def _status(error: api.GoogleAPICallError) -> str:
    """Google's status name (PERMISSION_DENIED, FAILED_PRECONDITION, ...). Over REST the library picks
    the exception class from the HTTP code alone, so the name is read from the error body."""
    if error.grpc_status_code is not None:
        return str(error.grpc_status_code.name)
    try:
        status = error.response.json()["error"]["status"]
    except (AttributeError, KeyError, TypeError, ValueError):
        return type(error).__name__
    return status if isinstance(status, str) else type(error).__name__
