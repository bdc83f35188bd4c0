"""Google Cloud Secret Manager as the secret store: one secret per private key, for web3signer to load.

Secret ids (Secret Manager allows [A-Za-z0-9_-]{1,255}):

    aztec-butler-<network>-<attester address, lowercase>-eth
    aztec-butler-<network>-<attester address, lowercase>-bls
    aztec-butler-<network>-<publisher address, lowercase>-publisher

Labels on every secret: `managed_by=aztec-butler`, `network=<network>`, `key_type=eth|bls|publisher`, and
`attester=<address>` (attester keys) or `publisher=<address>` (publisher keys), addresses in lowercase.
web3signer's bulk loading selects secrets with Secret Manager's list filter, e.g.
its `gcp-secrets-filter` option set to `labels.network=testnet AND labels.key_type=bls`.

Payload: the key as `0x` + 64 lowercase hex digits (UTF-8, no newline), the form web3signer reads from
the latest version. Secrets are created with automatic replication.

A secret is never overwritten: one whose latest version holds the same key is left as it is, one holding
a different key is a conflict. Every key stored is read back (latest version) and compared before the
store reports success. No key or payload reaches an error, a log or a repr: errors are rebuilt from the
status and the server's message with every payload of this run scrubbed out, and the client library's
request/response debug logging, which would include payloads, is switched off.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs
from google.api_core import exceptions as api
from google.cloud.secretmanager_v1 import Replication, Secret, SecretManagerServiceClient, SecretPayload

from butler.adapters.secrets.gcp_connection import (
    checked_endpoint,
    default_credentials,
    quiet_payload_loggers,
    transient_retry,
)
from butler.adapters.secrets.gcp_layout import holds_key, payload, secret_id, secret_labels
from butler.adapters.secrets.gcp_problems import Absent, SecretProblem, conflict, guarded
from butler.domain.errors import ButlerError, CheckFailed, Problem, UsageError
from butler.domain.keyfiles import DerivedValidator
from butler.ports.secret_store import KeyToKeep, SecretStore, StoredKey, keys_to_keep

_NETWORK = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")  # a label value, so also a safe part of an id
_PROJECT = re.compile(r"[a-z0-9][a-z0-9.:-]{0,99}")  # project ids, numbers and domain:project ids

T = TypeVar("T")


@attrs.frozen
class _Outcome:
    key: KeyToKeep
    stored: StoredKey | None = None
    problem: SecretProblem | None = None
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
        self._retry = transient_retry(retry_deadline)
        self._retry_deadline = retry_deadline
        quiet_payload_loggers()

    @classmethod
    def connect(
        cls,
        *,
        network: str,
        project: str | None = None,
        endpoint: str | None = None,
        credentials: Any = None,
        credentials_file: str | None = None,
        **options: Any,
    ) -> GcpSecretStore:
        """A store over the REST API. Credentials and, unless given, the project come from Google's
        Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth
        application-default login`, or the metadata server); GOOGLE_CLOUD_PROJECT sets the project.
        `credentials_file`: the process's GOOGLE_APPLICATION_CREDENTIALS, named if it is not usable."""
        if credentials is None:
            credentials, default_project = default_credentials(credentials_file)
            project = project or default_project
        if not project:
            raise UsageError(
                Problem(
                    "no Google Cloud project for the gcp secret store: pass {gcp_project} ID or set "
                    "GOOGLE_CLOUD_PROJECT"
                )
            )
        client_options = {"api_endpoint": checked_endpoint(endpoint)} if endpoint else None
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
            if held is not None and not holds_key(held, key):
                raise conflict(name, key)
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
            if not holds_key(held, key):
                raise conflict(name, key)
            return StoredKey(key.address, key.kind, name, created=False)
        self._call(
            key,
            name,
            lambda: self._client.add_secret_version(
                parent=name,
                payload=SecretPayload(data=payload(key)),
                retry=self._retry,
                timeout=self._timeout,
            ),
        )
        held = self._latest(name, key)
        if held is None or not holds_key(held, key):
            raise SecretProblem(
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
        except Absent:
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
        except Absent:
            raise SecretProblem(
                f"projects/{self._project}: project not found, or the Secret Manager API is not enabled in it"
            ) from None

    def _call(self, key: KeyToKeep, name: str, call: Callable[[], T]) -> T:
        return guarded(call, key=key, name=name, project=self._project, retried_for=self._retry_deadline)

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
            except SecretProblem as problem:
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


# mypy checks this assignment against the port, so the adapter cannot drift from it unnoticed.
_CONFORMS: type[SecretStore] = GcpSecretStore
