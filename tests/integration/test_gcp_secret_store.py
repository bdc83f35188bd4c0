"""The Google Cloud Secret Manager store through Google's client library (REST transport) against the
local stand-in of the API: the naming and labels web3signer relies on, retries of transient failures,
and clear, key-free reports of everything else. (The behaviour it shares with every secret store is in
tests/contract/test_secret_store_contract.py.)"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud.secretmanager_v1 import SecretManagerServiceClient

from butler.adapters.secrets.gcp_store import GcpSecretStore
from butler.domain.derivation import derive_public_validator
from butler.domain.errors import ButlerError, CheckFailed, UsageError
from butler.domain.keyfiles import DerivedValidator, FeeRecipient, PrivateAttester, PrivateValidator
from butler.domain.keys import attester_address, parse_bls_secret_key, parse_eth_secret_key
from tests.integration.gcp_secret_manager_stub import RunningStub, running_secret_manager

NETWORK = "testnet"
_projects = itertools.count(1)


@pytest.fixture
def running() -> Iterator[RunningStub]:
    """A fresh stand-in per test, so injected failures stay with their test."""
    with running_secret_manager() as stub:
        yield stub


@pytest.fixture
def project() -> str:
    return f"adapter-{next(_projects)}"


def store_for(running: RunningStub, project: str, **options) -> GcpSecretStore:
    options.setdefault("retry_deadline", 5)
    return GcpSecretStore.connect(
        network=NETWORK,
        project=project,
        endpoint=running.endpoint,
        credentials=AnonymousCredentials(),
        **options,
    )


def validator(eth: int, bls: int, publisher: int) -> DerivedValidator:
    private = PrivateValidator(
        attester=PrivateAttester(
            eth=parse_eth_secret_key(f"0x{eth:064x}"), bls=parse_bls_secret_key(f"0x{bls:064x}")
        ),
        publisher=(parse_eth_secret_key(f"0x{publisher:064x}"),),
        fee_recipient=FeeRecipient(bytes(32)),
    )
    return DerivedValidator(private=private, public=derive_public_validator(private))


V1 = validator(0xA11CE, 0xB0B, 0xCAFE)
ATTESTER = V1.public.attester.eth.checksum.lower()
PUBLISHER = attester_address(V1.private.publisher[0]).checksum.lower()
SECRET_KEYS = [
    V1.private.attester.eth.reveal_hex(),
    V1.private.attester.bls.reveal_hex(),
    V1.private.publisher[0].reveal_hex(),
]


def assert_key_free(text: str) -> None:
    for key in SECRET_KEYS:
        assert key[2:] not in text.lower()
        assert base64.b64encode(key.encode()).decode() not in text
    assert not re.search(r"[0-9a-fA-F]{64}", text)


def client_for(running: RunningStub) -> SecretManagerServiceClient:
    return SecretManagerServiceClient(
        credentials=AnonymousCredentials(),
        transport="rest",
        client_options={"api_endpoint": running.endpoint},
    )


def test_secrets_are_named_and_labelled_for_web3signer(running, project):
    store_for(running, project).store([V1])
    client = client_for(running)
    names = {
        "eth": f"aztec-butler-testnet-{ATTESTER}-eth",
        "bls": f"aztec-butler-testnet-{ATTESTER}-bls",
        "publisher": f"aztec-butler-testnet-{PUBLISHER}-publisher",
    }
    for kind, secret_id in names.items():
        secret = client.get_secret(name=f"projects/{project}/secrets/{secret_id}")
        owner = {"publisher": PUBLISHER} if kind == "publisher" else {"attester": ATTESTER}
        assert dict(secret.labels) == {
            "managed_by": "aztec-butler",
            "network": NETWORK,
            "key_type": kind,
            **owner,
        }
        assert secret.replication.automatic is not None
    # What web3signer's bulk loading does with --gcp-secrets-filter: list by labels, read the latest.
    listed = client.list_secrets(
        request={"parent": f"projects/{project}", "filter": "labels.network=testnet AND labels.key_type=bls"}
    )
    (bls,) = list(listed)
    payload = client.access_secret_version(name=f"{bls.name}/versions/latest").payload.data
    assert payload == V1.private.attester.bls.reveal_hex().encode()
    assert re.fullmatch(rb"0x[0-9a-f]{64}", payload)


def test_a_rerun_writes_nothing(running, project):
    store = store_for(running, project)
    store.store([V1])
    before = running.stub.operations()
    store.check([V1])
    report = store.store([V1])
    after = running.stub.operations()
    assert [s.created for s in report] == [False, False, False]
    assert after["create"] == before["create"] and after["add"] == before["add"]


def test_check_only_reads(running, project):
    before = running.stub.operations()
    store_for(running, project).check([V1])
    after = running.stub.operations()
    assert after - before == {"access": 3}
    assert not [key for key in running.stub.secrets if key[0] == project]


@pytest.mark.parametrize("operation", ["create", "add", "access"])
def test_transient_unavailability_is_retried(running, project, operation):
    running.stub.fail(operation, 503, times=2, secret_prefix=f"aztec-butler-testnet-{ATTESTER}-bls")
    report = store_for(running, project).store([V1])
    assert [s.created for s in report] == [True, True, True]
    assert running.stub.latest(project, f"aztec-butler-testnet-{ATTESTER}-bls") == (
        V1.private.attester.bls.reveal_hex().encode()
    )
    assert running.stub.pending_faults() == 0, "the injected failures were not all met"


def test_lasting_unavailability_is_reported_after_the_retry_deadline(running, project):
    running.stub.fail("access", 503, times=10_000, secret_prefix=f"aztec-butler-testnet-{ATTESTER}")
    with pytest.raises(ButlerError) as failure:
        store_for(running, project, retry_deadline=0.5).check([V1])
    assert not isinstance(failure.value, CheckFailed)
    assert any(
        "still unavailable after retrying" in p and "503 UNAVAILABLE" in p for p in failure.value.problems
    )
    assert_key_free(str(failure.value))


def test_permission_denied_names_the_secret_and_what_is_missing(running, project):
    running.stub.deny("create", secret_prefix=f"aztec-butler-testnet-{ATTESTER}-eth")
    with pytest.raises(ButlerError) as failure:
        store_for(running, project, workers=1).store([V1])
    problems = failure.value.problems
    assert problems[0].startswith(f"projects/{project}/secrets/aztec-butler-testnet-{ATTESTER}-eth: ")
    assert "403 PERMISSION_DENIED" in problems[0]
    assert any("roles/secretmanager.admin" in p for p in problems)
    assert problems[-1] == "stopped after that: 2 other keys were not handled; a rerun takes them up"
    assert_key_free(str(failure.value))


def test_a_server_echoing_the_request_still_leaks_no_key(running, project):
    running.stub.deny("add")
    running.stub.echo_request_in_errors = True
    with pytest.raises(ButlerError) as failure:
        store_for(running, project).store([V1])
    assert "redacted" in str(failure.value)
    assert_key_free(str(failure.value))


def test_a_secret_left_without_a_version_is_completed(running, project):
    secret_id = f"aztec-butler-testnet-{ATTESTER}-bls"
    running.stub.put(project, secret_id, None, {"managed_by": "aztec-butler"})
    report = store_for(running, project).store([V1])
    assert [s.created for s in report] == [True, True, True]
    assert running.stub.latest(project, secret_id) == V1.private.attester.bls.reveal_hex().encode()


def test_a_secret_someone_else_creates_meanwhile_is_not_overwritten(running, project):
    secret_id = f"aztec-butler-testnet-{ATTESTER}-bls"
    theirs = b"0x" + b"2" * 64
    running.stub.appear_after_miss(project, secret_id, theirs)
    with pytest.raises(CheckFailed) as refused:
        store_for(running, project).store([V1])
    assert refused.value.problems == (
        f"projects/{project}/secrets/{secret_id}: already holds a different bls key for "
        f"{V1.public.attester.eth}; not overwritten",
    )
    assert running.stub.secrets[project, secret_id].versions == [theirs]


def test_a_key_that_does_not_read_back_is_an_error(running, project):
    secret_id = f"aztec-butler-testnet-{ATTESTER}-eth"
    running.stub.tamper(project, secret_id)
    with pytest.raises(ButlerError) as failure:
        store_for(running, project).store([V1])
    assert failure.value.problems == (
        f"projects/{project}/secrets/{secret_id}: the latest version read back is not the key just added; "
        "inspect the secret's versions before using it",
    )


def test_an_unreachable_service_is_one_clear_problem(closed_port, project):
    store = GcpSecretStore.connect(
        network=NETWORK,
        project=project,
        endpoint=f"http://127.0.0.1:{closed_port}",
        credentials=AnonymousCredentials(),
        retry_deadline=0.3,
        workers=1,
    )
    with pytest.raises(ButlerError) as failure:
        store.check([V1])
    assert "still unavailable after retrying" in failure.value.problems[0]
    assert "ConnectionError" in failure.value.problems[0]
    assert_key_free(str(failure.value))


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"network": "Test Net"}, "cannot name secrets"),
        ({"network": "x" * 64}, "cannot name secrets"),
        ({"project": "my project"}, "not a project id"),
        ({"endpoint": "http://secretmanager.example.com"}, "plain http is allowed only to this machine"),
        ({"endpoint": "ftp://127.0.0.1:1"}, "expected https://HOST"),
    ],
)
def test_settings_that_cannot_work_are_usage_errors(options, reason):
    settings = {"network": NETWORK, "project": "p", "endpoint": None, **options}
    with pytest.raises(UsageError, match=reason):
        GcpSecretStore.connect(credentials=AnonymousCredentials(), **settings)


def test_a_private_service_connect_endpoint_is_accepted():
    store = GcpSecretStore.connect(
        network=NETWORK,
        project="p",
        endpoint="https://secretmanager-psc.p.googleapis.com",
        credentials=AnonymousCredentials(),
    )
    assert repr(store) == "GcpSecretStore(project='p', network='testnet')"
