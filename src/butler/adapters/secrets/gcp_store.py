"""Google Cloud Secret Manager as the secret store: one secret per private key, for web3signer to load.

Secret ids (Secret Manager allows [A-Za-z0-9_-]{1,255}):

    aztec-butler-<network>-<attester address, lowercase>-eth
    aztec-butler-<network>-<attester address, lowercase>-bls
    aztec-butler-<network>-<publisher address, lowercase>-publisher

Labels on every secret: `managed_by=aztec-butler`, `network=<network>`, `key_type=eth|bls|publisher`, and
`attester=<address>` (attester keys) or `publisher=<address>` (publisher keys), addresses in lowercase.
web3signer's bulk loading selects secrets with Secret Manager's list filter, e.g.
`--gcp-secrets-filter='labels.network=testnet AND labels.key_type=bls'`.

Payload: the key as `0x` + 64 lowercase hex digits (UTF-8, no newline), the form web3signer reads from
the latest version. Secrets are created with automatic replication.

A secret is never overwritten: one whose latest version holds the same key is left as it is, one holding
a different key is a conflict. Every key stored is read back (latest version) and compared before the
store reports success. No key or payload reaches an error, a log or a repr: errors are rebuilt from the
status and the server's message with every payload of this run scrubbed out, and the client library's
request/response debug logging, which would include payloads, is switched off.
"""

from __future__ import annotations

import base64
import hmac
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs
import google.auth
import google.auth.exceptions
import requests
from google.api_core import exceptions as api
from google.api_core import retry as api_retry
from google.cloud.secretmanager_v1 import Replication, Secret, SecretManagerServiceClient, SecretPayload
from google.cloud.secretmanager_v1.services.secret_manager_service import client as _client_module
from google.cloud.secretmanager_v1.services.secret_manager_service.transports import rest as _rest_module

from butler.domain.errors import ButlerError, CheckFailed, UsageError
from butler.domain.keyfiles import DerivedValidator
from butler.ports.secret_store import KeyToKeep, SecretStore, StoredKey, keys_to_keep

PREFIX = "aztec-butler"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
_NETWORK = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")  # a label value, so also a safe part of an id
_PROJECT = re.compile(r"[a-z0-9][a-z0-9.:-]{0,99}")  # project ids, numbers and domain:project ids
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MESSAGE_LIMIT = 300
_REST_PREFIX = re.compile(r"^[A-Z]+ \S+: ")

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

T = TypeVar("T")


def secret_id(network: str, key: KeyToKeep) -> str:
    return f"{PREFIX}-{network}-{key.address.checksum.lower()}-{key.kind}"


def secret_labels(network: str, key: KeyToKeep) -> dict[str, str]:
    owner = "publisher" if key.kind == "publisher" else "attester"
    return {
        "managed_by": PREFIX,
        "network": network,
        "key_type": key.kind,
        owner: key.address.checksum.lower(),
    }


class _Problem(Exception):
    """What went wrong with one secret, already safe to show. `conflict`: the store holds another key;
    `hint`: what to do about it, said once however many secrets it concerns."""

    def __init__(self, message: str, *, conflict: bool = False, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.conflict = conflict
        self.hint = hint


@attrs.frozen
class _Outcome:
    key: KeyToKeep
    stored: StoredKey | None = None
    problem: _Problem | None = None
    skipped: bool = False


class GcpSecretStore:
    def __init__(
        self,
        client: SecretManagerServiceClient,
        *,
        project: str,
        network: str,
        workers: int = 8,
        retry_deadline: float = 60.0,
        request_timeout: float = 30.0,
    ) -> None:
        if not _NETWORK.fullmatch(network):
            raise UsageError(
                f"network {network!r}: cannot name secrets; use lowercase letters, digits, - and _ "
                "(at most 63 characters, starting with a letter or digit)"
            )
        if not _PROJECT.fullmatch(project):
            raise UsageError(f"Google Cloud project {project!r}: not a project id")
        self._client = client
        self._project = project
        self._network = network
        self._workers = max(1, workers)
        self._timeout = request_timeout
        self._retry = api_retry.Retry(
            predicate=api_retry.if_exception_type(*_TRANSIENT),
            initial=0.1,
            maximum=5.0,
            multiplier=2.0,
            timeout=retry_deadline,
        )
        self._retry_deadline = retry_deadline
        _quiet_payload_loggers()

    @classmethod
    def connect(
        cls,
        *,
        network: str,
        project: str | None = None,
        endpoint: str | None = None,
        credentials: Any = None,
        **options: Any,
    ) -> GcpSecretStore:
        """A store over the REST API. Credentials and, unless given, the project come from Google's
        Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth
        application-default login`, or the metadata server); GOOGLE_CLOUD_PROJECT sets the project."""
        if credentials is None:
            credentials, default_project = _default_credentials()
            project = project or default_project
        if not project:
            raise UsageError(
                "no Google Cloud project for the gcp secret store: pass --gcp-project ID or set "
                "GOOGLE_CLOUD_PROJECT"
            )
        client_options = {"api_endpoint": _checked_endpoint(endpoint)} if endpoint else None
        client = SecretManagerServiceClient(
            credentials=credentials, transport="rest", client_options=client_options
        )
        return cls(client, project=project, network=network, **options)

    def __repr__(self) -> str:
        return f"GcpSecretStore(project={self._project!r}, network={self._network!r})"

    def secret_name(self, key: KeyToKeep) -> str:
        return f"projects/{self._project}/secrets/{secret_id(self._network, key)}"

    def check(self, validators: Sequence[DerivedValidator]) -> None:
        def check_one(key: KeyToKeep) -> StoredKey | None:
            name = self.secret_name(key)
            held = self._latest(name, key)
            if held is not None and not _same(held, key):
                raise _conflict(name, key)
            return None

        self._raise_problems(self._each(keys_to_keep(validators), check_one))

    def store(self, validators: Sequence[DerivedValidator]) -> list[StoredKey]:
        outcomes = self._each(keys_to_keep(validators), self._keep)
        self._raise_problems(outcomes)
        return [outcome.stored for outcome in outcomes if outcome.stored is not None]

    # -- one key ------------------------------------------------------------------------------------

    def _keep(self, key: KeyToKeep) -> StoredKey:
        name = self.secret_name(key)
        held = self._latest(name, key)
        if held is None and not self._create(name, key):
            # It appeared since we looked: whatever it holds now decides, as above.
            held = self._latest(name, key)
        if held is not None:
            if not _same(held, key):
                raise _conflict(name, key)
            return StoredKey(key.address, key.kind, name, created=False)
        self._call(
            key,
            name,
            lambda: self._client.add_secret_version(
                parent=name,
                payload=SecretPayload(data=_payload(key)),
                retry=self._retry,
                timeout=self._timeout,
            ),
        )
        held = self._latest(name, key)
        if held is None or not _same(held, key):
            raise _Problem(
                f"{name}: the latest version read back is not the key just added; inspect the secret's "
                "versions before using it"
            )
        return StoredKey(key.address, key.kind, name, created=True)

    def _latest(self, name: str, key: KeyToKeep) -> bytes | None:
        """The latest version's payload, or None when the secret or its versions do not exist."""
        try:
            response = self._call(
                key,
                name,
                lambda: self._client.access_secret_version(
                    name=f"{name}/versions/latest", retry=self._retry, timeout=self._timeout
                ),
            )
        except _Absent:
            return None
        data: bytes = response.payload.data
        return data

    def _create(self, name: str, key: KeyToKeep) -> bool:
        """Create the secret, without a version. False when it already existed: left by an earlier run
        that stopped, created by someone else meanwhile, or by a retried attempt whose answer was lost."""
        secret = Secret(
            replication=Replication(automatic=Replication.Automatic()),
            labels=secret_labels(self._network, key),
        )

        def create() -> bool:
            try:
                self._client.create_secret(
                    parent=f"projects/{self._project}",
                    secret_id=secret_id(self._network, key),
                    secret=secret,
                    retry=self._retry,
                    timeout=self._timeout,
                )
            except api.Conflict:  # ALREADY_EXISTS arrives over REST as HTTP 409, raised as Conflict
                return False
            return True

        try:
            return self._call(key, name, create)
        except _Absent:
            raise _Problem(
                f"projects/{self._project}: project not found, or the Secret Manager API is not enabled in it"
            ) from None

    def _call(self, key: KeyToKeep, name: str, call: Callable[[], T]) -> T:
        """`call()`, with every failure but NOT_FOUND (`_Absent`) turned into a `_Problem` that carries
        no payload."""
        try:
            return call()
        except api.NotFound:
            raise _Absent from None
        except api.RetryError as error:
            raise _Problem(
                f"{name}: Secret Manager still unavailable after retrying for {self._retry_deadline:g}s: "
                f"{_describe(error.cause, key)}"
            ) from None
        except api.Forbidden as error:
            raise _Problem(
                f"{name}: {_describe(error, key)}",
                hint=f"the credentials need roles/secretmanager.admin on project {self._project} (or "
                "the permissions secretmanager.secrets.create, .versions.add and .versions.access)",
            ) from None
        except api.Unauthorized as error:
            raise _Problem(
                f"{name}: {_describe(error, key)}",
                hint="the Google credentials were refused: renew them (`gcloud auth application-default "
                "login`) or check GOOGLE_APPLICATION_CREDENTIALS",
            ) from None
        except api.BadRequest as error:
            if _status(error) != "FAILED_PRECONDITION":
                raise _Problem(f"{name}: {_describe(error, key)}") from None
            raise _Problem(
                f"{name}: the latest version cannot be read, it may be disabled or destroyed "
                f"({_describe(error, key)}); not touching it"
            ) from None
        except (api.GoogleAPIError, requests.RequestException) as error:
            raise _Problem(f"{name}: {_describe(error, key)}") from None
        except google.auth.exceptions.GoogleAuthError as error:
            raise _Problem(f"{name}: Google credentials could not be used: {_describe(error, key)}") from None

    # -- many keys ----------------------------------------------------------------------------------

    def _each(
        self, keys: Sequence[KeyToKeep], work: Callable[[KeyToKeep], StoredKey | None]
    ) -> list[_Outcome]:
        """`work` on every key, a few at a time. After a failure other than a conflict (permissions,
        credentials, an unreachable service) the keys not yet started are skipped: each would fail alike."""
        stop = threading.Event()

        def one(key: KeyToKeep) -> _Outcome:
            if stop.is_set():
                return _Outcome(key, skipped=True)
            try:
                return _Outcome(key, stored=work(key))
            except _Problem as problem:
                if not problem.conflict:
                    stop.set()
                return _Outcome(key, problem=problem)

        if self._workers == 1 or len(keys) <= 1:
            return [one(key) for key in keys]
        with ThreadPoolExecutor(max_workers=min(self._workers, len(keys))) as pool:
            return list(pool.map(one, keys))

    def _raise_problems(self, outcomes: Iterable[_Outcome]) -> None:
        outcomes = list(outcomes)
        problems = [o.problem for o in outcomes if o.problem is not None]
        if not problems:
            return
        lines = [problem.message for problem in problems]
        lines += dict.fromkeys(problem.hint for problem in problems if problem.hint is not None)
        skipped = sum(1 for o in outcomes if o.skipped)
        if skipped:
            lines.append(f"stopped after that: {skipped} other keys were not handled; a rerun takes them up")
        if all(problem.conflict for problem in problems):
            raise CheckFailed(*lines)
        raise ButlerError(*lines)


class _Absent(Exception):
    """NOT_FOUND: the secret, or any version of it, does not exist."""


def _payload(key: KeyToKeep) -> bytes:
    return key.secret.reveal_hex().encode("ascii")


def _same(held: bytes, key: KeyToKeep) -> bool:
    return hmac.compare_digest(held, _payload(key))


def _conflict(name: str, key: KeyToKeep) -> _Problem:
    return _Problem(
        f"{name}: already holds a different {key.kind} key for {key.address}; not overwritten",
        conflict=True,
    )


def _describe(error: BaseException | None, key: KeyToKeep) -> str:
    """The error's own text on one line, with this key's payload scrubbed out in the forms a server
    might echo it (hex either case, base64), and cut short."""
    if error is None:
        return "no answer"
    if isinstance(error, api.GoogleAPICallError):
        # The REST transport prefixes the server's message with the method and URL; the secret is
        # already named in the problem.
        text = f"{error.code} {_status(error)}: {_REST_PREFIX.sub('', error.message or '')}"
    else:
        text = f"{type(error).__name__}: {error}"
    return _scrub(" ".join(text.split()), key)[:_MESSAGE_LIMIT]


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


def _scrub(text: str, key: KeyToKeep) -> str:
    payload = _payload(key)
    for form in (payload.decode(), payload.decode()[2:], base64.b64encode(payload).decode()):
        text = re.sub(re.escape(form), "<redacted>", text, flags=re.IGNORECASE)
    # Anything else that looks like a 32-byte key goes too: the scrub must not depend on the echo's form.
    return re.sub(r"(0x)?[0-9a-fA-F]{64}", "<redacted>", text)


def _default_credentials() -> tuple[Any, str | None]:
    try:
        credentials, project = google.auth.default(scopes=SCOPES)
    except google.auth.exceptions.DefaultCredentialsError as error:
        named = os.environ.get(CREDENTIALS_ENV)
        if named:
            reason = " ".join(str(error).split())[:_MESSAGE_LIMIT]
            raise UsageError(f"{CREDENTIALS_ENV}={named}: not usable Google credentials: {reason}") from None
        raise UsageError(
            "no Google credentials for the gcp secret store: run `gcloud auth application-default login`, "
            "or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
        ) from None
    return credentials, project


def _checked_endpoint(endpoint: str) -> str:
    """Plain http only to this machine: private keys travel in the requests."""
    url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    if url.scheme not in ("http", "https") or not url.hostname:
        raise UsageError(f"--gcp-endpoint {endpoint!r}: expected https://HOST[:PORT] or HOST[:PORT]")
    if url.scheme == "http" and url.hostname not in _LOOPBACK:
        raise UsageError(
            f"--gcp-endpoint {endpoint!r}: plain http is allowed only to this machine; use https"
        )
    return endpoint


def _quiet_payload_loggers() -> None:
    for name in _PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# mypy checks this assignment against the port, so the adapter cannot drift from it unnoticed.
_CONFORMS: type[SecretStore] = GcpSecretStore
