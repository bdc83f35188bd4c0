"""One contract for the secret-store port, run against the in-memory fake, the console store (its stderr
captured) and the Google Cloud Secret Manager store (the real client library over REST, against the local
stand-in of the API, with anonymous credentials).

What an operator relies on: every private key handed over can be got back from the store, exactly; a
second run changes nothing; `check` writes nothing; what the store reports and every problem it raises
carry no key material; and a store that remembers keys never overwrites a different one.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import attrs
import pytest
from google.auth.credentials import AnonymousCredentials

from butler.adapters.secrets.console_store import ConsoleSecretStore
from butler.adapters.secrets.gcp_store import GcpSecretStore
from butler.domain.address import Address
from butler.domain.derivation import derive_public_validator
from butler.domain.errors import CheckFailed
from butler.domain.keyfiles import (
    DerivedValidator,
    FeeRecipient,
    PrivateAttester,
    PrivateValidator,
)
from butler.domain.keys import attester_address, parse_bls_secret_key, parse_eth_secret_key
from butler.ports.secret_store import SecretStore
from butler.ports.secret_store_fake import FakeSecretStore
from tests.integration.gcp_secret_manager_stub import RunningStub, running_secret_manager

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
REFERENCE_ATTESTERS = [
    "0x5FAC75C9bD29CDf5599C74e31A8a88850a573748",
    "0x829B7234A1544C755a9F31Fa4812675F8E8A0BF3",
]

Held = dict[tuple[Address, str], str]
"""What the operator can get back from a store: (address, key kind) -> the key as 0x + 64 hex digits."""


@attrs.frozen
class World:
    store: SecretStore
    held: Callable[[], Held]
    remembers: bool
    """False for a store that keeps nothing (the console): conflicts cannot arise there."""


# -- the stores -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secret_manager() -> Iterator[RunningStub]:
    with running_secret_manager() as running:
        yield running


_projects = itertools.count(1)


@pytest.fixture(params=["fake", "console", "gcp"])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "fake":
        fake = FakeSecretStore()
        return World(fake, lambda: {key: secret.reveal_hex() for key, secret in fake.kept.items()}, True)
    if request.param == "console":
        stream = io.StringIO()
        return World(ConsoleSecretStore(stream), lambda: held_on_console(stream.getvalue()), False)
    running: RunningStub = request.getfixturevalue("secret_manager")
    project = f"contract-{next(_projects)}"  # one project per test keeps the tests apart
    store = GcpSecretStore.connect(
        network="testnet",
        project=project,
        endpoint=running.endpoint,
        credentials=AnonymousCredentials(),
        retry_deadline=5,
    )
    return World(store, lambda: held_in_secret_manager(running, project), True)


def held_on_console(text: str) -> Held:
    """What an operator copying from the terminal gets: the keys, by the addresses printed beside them."""
    held: Held = {}
    attester = None
    for line in text.splitlines():
        words = line.split()
        if words[:2] == ["attester", "address"]:
            attester = Address.parse(words[2])
        elif words[:3] in (["attester", "eth", "private"], ["attester", "bls", "private"]):
            assert attester is not None
            held[attester, words[1]] = words[3]
        elif words[:2] == ["publisher", "private"]:
            held[attester_address(parse_eth_secret_key(words[2])), "publisher"] = words[2]
    return held


def held_in_secret_manager(running: RunningStub, project: str) -> Held:
    """What web3signer would load: each secret's latest version, found by its labels."""
    held: Held = {}
    for (secret_project, _), secret in running.stub.secrets.items():
        if secret_project != project or not secret.versions:
            continue
        kind = secret.labels["key_type"]
        address = secret.labels["publisher" if kind == "publisher" else "attester"]
        held[Address.parse(address), kind] = secret.versions[-1].decode()
    return held


# -- the validators -------------------------------------------------------------------------------------


def validator(eth: int, bls: int, *publishers: int) -> DerivedValidator:
    private = PrivateValidator(
        attester=PrivateAttester(
            eth=parse_eth_secret_key(f"0x{eth:064x}"), bls=parse_bls_secret_key(f"0x{bls:064x}")
        ),
        publisher=tuple(parse_eth_secret_key(f"0x{p:064x}") for p in publishers),
        fee_recipient=FeeRecipient(bytes(32)),
    )
    return DerivedValidator(private=private, public=derive_public_validator(private))


def expected(*validators: DerivedValidator) -> Held:
    keys: Held = {}
    for v in validators:
        keys[v.public.attester.eth, "eth"] = v.private.attester.eth.reveal_hex()
        keys[v.public.attester.eth, "bls"] = v.private.attester.bls.reveal_hex()
        for publisher in v.private.publisher:
            keys[attester_address(publisher), "publisher"] = publisher.reveal_hex()
    return keys


def reference_validators(reference_dir: Path) -> tuple[list[DerivedValidator], Held]:
    """The phase-1 reference file, and its keys as written in it (not through our own parsing)."""
    doc = json.loads((reference_dir / PHASE1).read_text())
    validators, keys = [], {}
    for entry, address in zip(doc["validators"], REFERENCE_ATTESTERS, strict=True):
        eth, bls, publisher = entry["attester"]["eth"], entry["attester"]["bls"], entry["publisher"]
        private = PrivateValidator(
            attester=PrivateAttester(eth=parse_eth_secret_key(eth), bls=parse_bls_secret_key(bls)),
            publisher=(parse_eth_secret_key(publisher),),
            fee_recipient=FeeRecipient.parse(entry["feeRecipient"]),
        )
        validators.append(DerivedValidator(private=private, public=derive_public_validator(private)))
        keys[Address.parse(address), "eth"] = eth.lower()
        keys[Address.parse(address), "bls"] = bls.lower()
        keys[attester_address(parse_eth_secret_key(publisher)), "publisher"] = publisher.lower()
    return validators, keys


def assert_no_key_material(text: str, keys: Iterable[str]) -> None:
    lowered = text.lower()
    for key in keys:
        digits = key[2:].lower()
        assert digits not in lowered, "a private key leaked"
        assert base64.b64encode(key.encode()).decode() not in text, "a payload leaked"
    assert not re.search(r"[0-9a-f]{64}", lowered), "something key-shaped leaked"


# -- the contract ---------------------------------------------------------------------------------------


def test_every_key_handed_over_can_be_got_back_exactly(world, reference_dir):
    validators, keys = reference_validators(reference_dir)
    world.store.check(validators)
    world.store.store(validators)
    assert world.held() == keys


def test_the_report_names_each_key_once_and_holds_nothing_secret(world, reference_dir):
    validators, keys = reference_validators(reference_dir)
    report = list(world.store.store(validators))
    if not world.remembers:
        assert report == []  # the console names no place: the keys went to the terminal
        return
    assert [(stored.address, stored.kind) for stored in report] == list(keys)
    assert len({stored.location for stored in report}) == len(keys)
    assert all(stored.created for stored in report)
    assert_no_key_material(repr(report) + str(report), keys.values())


def test_storing_the_same_keys_again_changes_nothing(world, reference_dir):
    validators, keys = reference_validators(reference_dir)
    first = list(world.store.store(validators))
    world.store.check(validators)
    second = list(world.store.store(validators))
    assert world.held() == keys
    if world.remembers:
        assert [s.location for s in second] == [s.location for s in first]
        assert not any(stored.created for stored in second)


def test_check_writes_nothing(world, reference_dir):
    validators, _ = reference_validators(reference_dir)
    world.store.check(validators)
    assert world.held() == {}


def test_a_publisher_listed_by_several_validators_is_one_key(world):
    validators = [validator(1, 11, 21), validator(2, 12, 21, 22)]
    report = list(world.store.store(validators))
    assert world.held() == expected(*validators)
    if world.remembers:
        assert [s.kind for s in report].count("publisher") == 2


def test_a_different_key_where_one_is_held_is_refused_and_never_overwritten(world):
    if not world.remembers:
        pytest.skip("the console keeps nothing, so nothing can conflict")
    original = validator(1, 11, 21)
    world.store.store([original])
    # Same attester (so the same place), another BLS key: the store must not take it.
    impostor = validator(1, 99, 21)
    newcomer = validator(2, 12, 22)
    every_key = [*expected(original).values(), *expected(impostor).values(), *expected(newcomer).values()]

    with pytest.raises(CheckFailed) as refused:
        world.store.check([newcomer, impostor])
    (problem,) = refused.value.problems
    assert original.public.attester.eth.checksum.lower() in problem.lower() and "bls" in problem
    assert_no_key_material(str(refused.value), every_key)
    assert world.held() == expected(original), "check wrote something"

    with pytest.raises(CheckFailed) as refused_again:
        world.store.store([impostor])
    assert_no_key_material(str(refused_again.value), every_key)
    assert world.held()[original.public.attester.eth, "bls"] == original.private.attester.bls.reveal_hex()
