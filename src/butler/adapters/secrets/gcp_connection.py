"""Reaching Google Cloud Secret Manager: credentials, the endpoint, what is retried, and quiet logs."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import google.auth
import google.auth.exceptions
import requests
from google.api_core import exceptions as api
from google.api_core import retry as api_retry
from google.cloud.secretmanager_v1.services.secret_manager_service import client as _client_module
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import rest as _rest_module

from butler.domain.errors import Problem, UsageError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MESSAGE_LIMIT = 300

# Worth another try: the request did not reach the service, or the service asked us to come back.
_TRANSIENT = (
    api.ServiceUnavailable,
    api.TooManyRequests,
    api.InternalServerError,
    api.BadGateway,
    api.GatewayTimeout,
    requests.ConnectionError,
    requests.Timeout,
)

# These loggers write request and response bodies, payloads included, at DEBUG when enabled (for example
# through GOOGLE_SDK_PYTHON_LOGGING_SCOPE); an explicit level on each keeps them quiet whatever their
# ancestors are set to.
_PAYLOAD_LOGGERS = (
    "google.cloud.secretmanager_v1",
    _client_module.__name__,
    _rest_module.__name__,
)


def transient_retry(deadline: float) -> api_retry.Retry:
    """Retries of transient failures, with backoff, for at most `deadline` seconds in all."""
    return api_retry.Retry(
        predicate=api_retry.if_exception_type(*_TRANSIENT),
        initial=0.1,
        maximum=5.0,
        multiplier=2.0,
        timeout=deadline,
    )


def default_credentials(credentials_file: str | None) -> tuple[Any, str | None]:
    """Google's Application Default Credentials and their project. `credentials_file` is the
    GOOGLE_APPLICATION_CREDENTIALS the process was given (Google's library reads it too), named when
    the credentials cannot be used."""
    try:
        credentials, project = google.auth.default(scopes=SCOPES)
    except google.auth.exceptions.DefaultCredentialsError as error:
        if credentials_file:
            reason = " ".join(str(error).split())[:_MESSAGE_LIMIT]
            raise UsageError(
                f"{CREDENTIALS_ENV}={credentials_file}: not usable Google credentials: {reason}"
            ) from None
        raise UsageError(
            "no Google credentials for the gcp secret store: run `gcloud auth application-default login`, "
            "or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
        ) from None
    return credentials, project


def checked_endpoint(endpoint: str) -> str:
    """Plain http only to this machine: private keys travel in the requests."""
    url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    if url.scheme not in ("http", "https") or not url.hostname:
        raise UsageError(
            Problem(
                "{gcp_endpoint} {given}: expected https://HOST[:PORT] or HOST[:PORT]", given=repr(endpoint)
            )
        )
    if url.scheme == "http" and url.hostname not in _LOOPBACK:
        raise UsageError(
            Problem(
                "{gcp_endpoint} {given}: plain http is allowed only to this machine; use https",
                given=repr(endpoint),
            )
        )
    return endpoint


def quiet_payload_loggers() -> None:
    for name in _PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
