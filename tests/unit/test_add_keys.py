"""The phase-5 use case over fakes: what is built, shown and proposed, and everything it refuses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest
from eth_abi.abi import decode

from butler.adapters.chain.contract_abis import STAKING_REGISTRY, function
from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, ChainError, CheckFailed, InputError, UsageError
from butler.domain.keyfiles import FeeRecipient, PrivateAttester, PrivateKeysFile, PrivateValidator
from butler.domain.keys import attester_address, bls_public_key, parse_bls_secret_key, parse_eth_secret_key
from butler.domain.onchain import AttesterStatus, AttesterView, G1Point, G2Point, KeyStore
from butler.domain.registration import registration_keystore
from butler.domain.safe import Operation, SafeCall, batched
from butler.domain.staking_registry_calls import add_keys_call_data
from butler.entrypoints.console import shown
from butler.ports.chain_fake import FAKE_ROLLUP, FakeChain, fake_registration_digest
from butler.ports.key_files_fake import FakeKeyFiles
from butler.ports.multisig_fake import FakeMultisig
from butler.usecases.add_keys import AddKeysOutcome, Registration, add_keys

SOURCE = Path("/keys/new-private-keys.json")
SAFE = Address.from_int(0x5AFE)
REGISTRY = Address.from_int(0x4E6157)
ADD_KEYS = function(STAKING_REGISTRY, "addKeysToProvider")


def validator(n: int) -> PrivateValidator:
    return PrivateValidator(
        attester=PrivateAttester(
            eth=parse_eth_secret_key(f"0x{n:064x}"), bls=parse_bls_secret_key(f"0x{n + 1000:064x}")
        ),
        publisher=(parse_eth_secret_key(f"0x{n + 2000:064x}"),),
        fee_recipient=FeeRecipient(bytes(32)),
    )


def attester(n: int) -> Address:
    return attester_address(parse_eth_secret_key(f"0x{n:064x}"))


def expected_keystore(n: int) -> KeyStore:
    """What the registry must receive for validator(n): built from the (fake) GSE's digest."""
    sk = parse_bls_secret_key(f"0x{n + 1000:064x}")
    return registration_keystore(attester(n), sk, fake_registration_digest(bls_public_key(sk).point))


def config(**changes: object) -> NetworkConfig:
    base = NetworkConfig(
        network="testnet",
        chain_id=31337,
        staking_registry=REGISTRY,
        rollup=FAKE_ROLLUP,
        provider_id=1,
    )
    return attrs.evolve(base, **changes)


@attrs.define
class World:
    chain: FakeChain
    multisig: FakeMultisig
    files: FakeKeyFiles
    shown: list[Registration] = attrs.Factory(list)
    progress: list[tuple[int, int]] = attrs.Factory(list)
    events: list[str] = attrs.Factory(list)

    def run(
        self,
        *,
        chunk_size: int = 50,
        propose: bool = True,
        skip_known: bool = False,
        pending: FakeMultisig | None = None,
        **config_changes: object,
    ) -> AddKeysOutcome:
        def show(registration: Registration) -> None:
            self.events.append("show")
            self.shown.append(registration)

        return add_keys(
            SOURCE,
            files=self.files,
            chain=self.chain,
            config=config(**config_changes),
            multisig=self.multisig if propose else None,
            chunk_size=chunk_size,
            show=show,
            progress=lambda done, total: self.progress.append((done, total)),
            pending=pending,
            skip_known=skip_known,
        )

    def execute_all(self) -> None:
        """What the Safe's owners do: execute every pending proposal in nonce order, on the chain."""
        while self.multisig.nonce in self.multisig.pending:
            call = self.multisig.execute_next()
            provider_id, stores = decoded(call)
            self.chain.enqueue_keys(provider_id, stores)


def world(*numbers: int, admin: Address = SAFE) -> World:
    chain = FakeChain()
    assert chain.add_provider(admin) == 1
    files = FakeKeyFiles({SOURCE: PrivateKeysFile(1, tuple(validator(n) for n in numbers))})
    return World(chain, FakeMultisig(SAFE, nonce=7), files)


def decoded(call: SafeCall) -> tuple[int, list[KeyStore]]:
    assert (call.to, call.value, call.operation) == (REGISTRY, 0, Operation.CALL)
    assert call.data[:4] == ADD_KEYS.selector
    provider_id, stores = decode(list(ADD_KEYS.input_types), call.data[4:])
    return provider_id, [
        KeyStore(Address.parse(a), G1Point(*g1), G2Point(*g2), G1Point(*pop)) for a, g1, g2, pop in stores
    ]


def test_five_keys_in_chunks_of_two_are_three_proposals_that_queue_them_in_file_order():
    w = world(1, 2, 3, 4, 5)

    outcome = w.run(chunk_size=2)

    (registration,) = w.shown
    assert outcome.registration == registration
    assert registration.attesters == tuple(attester(n) for n in (1, 2, 3, 4, 5))
    assert registration.chunks == ((attester(1), attester(2)), (attester(3), attester(4)), (attester(5),))
    assert registration.provider.id == 1 and registration.registry == REGISTRY
    assert [decoded(c) for c in registration.calls] == [
        (1, [expected_keystore(1), expected_keystore(2)]),
        (1, [expected_keystore(3), expected_keystore(4)]),
        (1, [expected_keystore(5)]),
    ]
    assert outcome.safe == SAFE
    assert [(p.call, p.nonce, p.already_pending) for p in outcome.proposals] == [
        (call, nonce, False) for call, nonce in zip(registration.calls, (7, 8, 9), strict=True)
    ]
    assert w.multisig.posted == list(outcome.proposals)
    assert w.progress[-1] == (5, 5)

    w.execute_all()
    assert [s.attester for s in w.chain.provider_queue(1)] == list(registration.attesters)


def test_the_digests_are_read_in_one_call_after_the_on_chain_check():
    w = world(1, 2, 3)
    w.run()
    assert w.chain.reads.count("registration_digests") == 1
    assert w.chain.reads.index("attester_views") < w.chain.reads.index("registration_digests")


def test_without_a_proposer_the_calls_are_shown_and_nothing_is_proposed():
    w = world(1, 2)
    outcome = w.run(propose=False)
    assert outcome.proposals == () and outcome.safe is None
    assert len(w.shown) == 1 and len(w.shown[0].calls) == 1
    assert w.multisig.proposals == []


SKIP_HINT = "nothing was proposed; --skip-known proposes only the attesters not known yet"


@pytest.mark.parametrize("chunk_size", [1, 2, 50])
def test_running_again_before_the_owners_execute_is_refused_naming_the_pending_nonces(chunk_size):
    w = world(1, 2, 3)
    w.run(chunk_size=2)  # nonce 7: attesters 1 and 2; nonce 8: attester 3

    with pytest.raises(CheckFailed) as failure:
        w.run(chunk_size=chunk_size)

    assert tuple(map(shown, failure.value.problems)) == (
        *(
            f"attester {attester(n)}: already proposed to Safe {SAFE} in the pending transaction at "
            f"nonce {nonce}"
            for n, nonce in ((1, 7), (2, 7), (3, 8))
        ),
        SKIP_HINT,
    )
    assert len(w.shown) == 1 and len(w.multisig.posted) == 2


def test_a_superset_file_with_skip_known_proposes_only_the_new_attester():
    w = world(1, 2)
    w.run()
    w.files.files[SOURCE] = PrivateKeysFile(1, tuple(validator(n) for n in (1, 2, 3)))

    with pytest.raises(CheckFailed):
        w.run()
    outcome = w.run(skip_known=True, chunk_size=1)

    assert [a for a, _ in outcome.skipped] == [attester(1), attester(2)]
    assert outcome.registration.attesters == (attester(3),)
    assert [(decoded(p.call), p.nonce) for p in outcome.proposals] == [((1, [expected_keystore(3)]), 8)]
    assert len(w.multisig.posted) == 2


def test_skip_known_with_every_attester_known_builds_and_proposes_nothing():
    w = world(1, 2)
    w.run()
    w.execute_all()
    w.chain.reads.clear()
    outcome = w.run(skip_known=True)
    assert outcome.registration.attesters == () and outcome.proposals == ()
    assert [where for _, where in outcome.skipped] == ["already in the provider queue"] * 2
    assert "registration_digests" not in w.chain.reads


def test_attesters_batched_by_multisend_in_a_pending_transaction_count_as_proposed():
    w = world(1, 2)
    calls = [SafeCall(REGISTRY, 0, add_keys_call_data(1, [expected_keystore(n)])) for n in (1, 2)]
    w.multisig.propose([batched([SafeCall(Address.from_int(9), 1, b""), *calls])])

    with pytest.raises(CheckFailed, match=f"attester {attester(2)}: already proposed .* at nonce 7"):
        w.run()


def test_without_proposing_the_pending_transactions_are_still_checked_when_a_service_is_given():
    w = world(1)
    w.run()
    with pytest.raises(CheckFailed, match="already proposed"):
        w.run(propose=False, pending=w.multisig)


def test_an_unreachable_transaction_service_fails_closed_before_anything_is_shown():
    w = world(1)
    w.multisig.unreachable = ButlerError("Safe Transaction Service https://tx.invalid: timed out")
    with pytest.raises(ButlerError, match="timed out"):
        w.run()
    assert w.shown == [] and w.multisig.posted == []


def test_running_again_after_execution_names_the_queued_attesters():
    w = world(1, 2)
    w.run()
    w.execute_all()

    with pytest.raises(CheckFailed) as failure:
        w.run()

    assert tuple(map(shown, failure.value.problems)) == (
        *(f"attester {attester(n)}: already in the provider queue" for n in (1, 2)),
        SKIP_HINT,
    )
    assert len(w.shown) == 1 and len(w.multisig.posted) == 1


def test_every_attester_already_on_chain_is_listed_and_nothing_is_built():
    w = world(1, 2, 3, 4)
    w.chain.enqueue_keys(1, [expected_keystore(2)])
    w.chain.enqueue_keys(1, [expected_keystore(3)])
    w.chain.stake(1, 1)  # 2 moves on into the rollup's entry queue
    w.chain.set_attester_view(attester(4), AttesterView(AttesterStatus.EXITING, 0, SAFE))

    with pytest.raises(CheckFailed) as failure:
        w.run()

    assert tuple(map(shown, failure.value.problems)) == (
        f"attester {attester(2)}: already in the rollup entry queue",
        f"attester {attester(3)}: already in the provider queue",
        f"attester {attester(4)}: already known to the rollup with status EXITING",
        SKIP_HINT,
    )
    assert w.shown == [] and w.multisig.proposals == []
    assert "registration_digests" not in w.chain.reads


def test_a_safe_that_is_not_the_providers_admin_proposes_nothing_but_the_calls_are_shown():
    w = world(1, admin=Address.from_int(0xAD))
    with pytest.raises(
        CheckFailed, match=f"administered by {Address.from_int(0xAD)}, not by the Safe {SAFE}"
    ):
        w.run()
    assert len(w.shown) == 1 and w.multisig.proposals == []


def test_without_proposing_the_admin_may_be_any_account():
    w = world(1, admin=Address.from_int(0xAD))
    assert len(w.run(propose=False).registration.calls) == 1


def test_an_unknown_provider_is_refused():
    w = world(1)
    with pytest.raises(CheckFailed, match="provider 9 is not registered"):
        w.run(provider_id=9)
    assert w.shown == []


@pytest.mark.parametrize("chunk_size", [0, -3])
def test_a_chunk_size_below_one_is_a_usage_error_before_any_read(chunk_size):
    w = world(1)
    with pytest.raises(UsageError) as failure:
        w.run(chunk_size=chunk_size)
    assert tuple(map(shown, failure.value.problems)) == (
        f"--chunk-size must be at least 1, got {chunk_size}",
    )
    assert w.chain.reads == []


def test_repeated_keys_fail_like_phase_2():
    w = world(1)
    w.files.files[SOURCE] = PrivateKeysFile(1, (validator(1), validator(2), validator(1)))
    with pytest.raises(CheckFailed) as failure:
        w.run()
    assert tuple(map(shown, failure.value.problems)) == (
        f"{SOURCE}: validators[2].attester.eth: same key as validators[0].attester.eth",
        f"{SOURCE}: validators[2].attester.bls: same key as validators[0].attester.bls",
    )
    assert w.chain.reads == []


def test_an_empty_file_is_refused():
    w = world()
    with pytest.raises(InputError, match="the list is empty"):
        w.run()


def test_an_unreadable_chain_fails_closed():
    w = world(1)
    w.chain.fail_reads("node down")
    with pytest.raises(ChainError, match="node down"):
        w.run()
    assert w.shown == [] and w.multisig.proposals == []


class ShortDigestChain(FakeChain):
    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        return list(super().registration_digests(public_keys))[:-1]


class OffCurveDigestChain(FakeChain):
    def registration_digests(self, public_keys: Sequence[G1Point]) -> Sequence[G1Point]:
        return [G1Point(1, 3) for _ in public_keys]


def test_fewer_digests_than_keys_fail_the_command():
    w = world(1, 2)
    w.chain = ShortDigestChain()
    w.chain.add_provider(SAFE)
    with pytest.raises(ChainError, match="asked the GSE for 2 registration digests, got 1"):
        w.run()
    assert w.shown == []


def test_a_digest_off_the_curve_names_the_attester():
    w = world(1)
    w.chain = OffCurveDigestChain()
    w.chain.add_provider(SAFE)
    with pytest.raises(ChainError, match=f"attester {attester(1)}: the registration digest is not a point"):
        w.run()
    assert w.shown == []


def test_the_calls_are_shown_before_a_failing_proposal():
    w = world(1)
    w.multisig.fail_with = ButlerError("tx-service answered 503")
    with pytest.raises(ButlerError, match="503"):
        w.run()
    assert len(w.shown) == 1


def test_a_keystore_holds_k_times_g2_and_k_times_the_gses_digest():
    w = world(3)
    (call,) = w.run().registration.calls
    (store,) = decoded(call)[1]
    sk = parse_bls_secret_key(f"0x{1003:064x}")
    assert bn254.is_on_curve_g2(store.public_key_g2)
    assert store.public_key_g2 == bn254.g2_generator_mul(sk.scalar)
    digest = fake_registration_digest(bls_public_key(sk).point)
    assert store.proof_of_possession == bn254.g1_mul(digest, sk.scalar)
