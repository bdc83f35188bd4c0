"""One contract for the `Multisig` port, run against the in-memory fake and against the Safe Transaction
Service adapter talking to the devnet's tx-service stand-in, which checks every proposal against the
real Safe 1.4.1 (hash, signature, owners) and executes them through it.

Each world gives the port plus what the Safe's owners do: read the Safe's nonce and the pending
nonces, execute the pending transactions, or execute some other transaction at the current nonce.
Devnet worlds are isolated (chain and service store roll back after each test).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import pytest

from butler.domain.address import Address
from butler.domain.errors import ButlerError
from butler.domain.safe import MULTISEND_CALL_ONLY, Operation, SafeCall, SafeTransaction, batched
from butler.domain.wei import WEI_PER_ETH as ETH
from butler.ports.multisig import Multisig, Proposal
from butler.ports.multisig_fake import FakeMultisig

if TYPE_CHECKING:
    from butler.entrypoints.bootstrap import Services
    from tests.integration.devnet_fixture import DevnetHandle


class World(Protocol):
    multisig: Multisig

    def safe_nonce(self) -> int: ...

    def pending_nonces(self) -> list[int]:
        """Nonces of the transactions waiting for signatures (at or above the Safe's nonce)."""
        ...

    def execute_pending(self) -> int:
        """The owners sign and execute what is pending, in nonce order; how many ran."""
        ...

    def execute_other(self) -> None:
        """The owners execute another transaction at the Safe's nonce instead of what is pending there."""
        ...

    def confirm(self, proposals: Sequence[Proposal]) -> None:
        """Assert the proposals are what the Safe (or the fake) holds under those nonces and hashes."""
        ...


class FakeWorld:
    def __init__(self) -> None:
        self.fake = FakeMultisig(nonce=3)
        self.multisig: Multisig = self.fake

    def safe_nonce(self) -> int:
        return self.fake.nonce

    def pending_nonces(self) -> list[int]:
        return sorted(n for n in self.fake.pending if n >= self.fake.nonce)

    def execute_pending(self) -> int:
        ran = 0
        while self.fake.nonce in self.fake.pending:
            self.fake.execute_next()
            ran += 1
        return ran

    def execute_other(self) -> None:
        self.fake.execute_other()

    def confirm(self, proposals: Sequence[Proposal]) -> None:
        for p in proposals:
            assert self.fake.pending[p.nonce] == p.call


def devnet_services(devnet: DevnetHandle) -> Services:
    """The real adapters, with no environment: the devnet config alone names the proposer key file."""
    from butler.entrypoints.bootstrap import Settings, build_services

    return build_services(Settings({}, devnet.config_path.parent))


class DevnetWorld:
    def __init__(self, devnet: DevnetHandle, monkeypatch: pytest.MonkeyPatch) -> None:
        services = devnet_services(devnet)
        multisig = services.multisig(services.network(str(devnet.config_path), None))
        assert multisig is not None  # the devnet config names a proposer key file
        self.multisig = multisig
        self.devnet = devnet
        # Enough ETH for the transfers the tests propose and execute.
        devnet.actions.fund(Decimal(5), [devnet.safe])

    def safe_nonce(self) -> int:
        return self.devnet.actions.safe.nonce()

    def pending_nonces(self) -> list[int]:
        nonce = self.safe_nonce()
        return sorted(
            p.tx.nonce for p in self.devnet.tx_service.pending(self.devnet.safe) if p.tx.nonce >= nonce
        )

    def execute_pending(self) -> int:
        return len(self.devnet.actions.execute_pending())

    def execute_other(self) -> None:
        self.devnet.actions.execute_as_owner(Address.from_int(0xD00D), 0, b"")

    def confirm(self, proposals: Sequence[Proposal]) -> None:
        stored = {p.safe_tx_hash: p for p in self.devnet.tx_service.pending(self.devnet.safe)}
        for p in proposals:
            tx = SafeTransaction.for_call(p.call, p.nonce)
            # The Safe contract's own getTransactionHash: what its owners will be asked to sign.
            assert self.devnet.actions.safe.onchain_tx_hash(tx) == p.safe_tx_hash
            assert p.safe_tx_hash in stored
            assert stored[p.safe_tx_hash].tx == tx


@pytest.fixture(params=["fake", pytest.param("devnet", marks=pytest.mark.devnet)])
def world(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    if request.param == "fake":
        yield FakeWorld()
    else:
        yield DevnetWorld(request.getfixturevalue("isolated_devnet"), monkeypatch)


def transfer(wei: int = 1) -> SafeCall:
    return SafeCall(Address(secrets.token_bytes(20)), wei, b"")


def expected_start(world: World) -> int:
    return max([world.safe_nonce(), *(n + 1 for n in world.pending_nonces())])


# --- nonces ---------------------------------------------------------------------------------------


def test_one_transaction_per_call_at_consecutive_nonces_from_the_next_free_one(world: World) -> None:
    start = expected_start(world)
    calls = [transfer(1), SafeCall(Address.from_int(0xB0B), 0, bytes.fromhex("deadbeef")), transfer(2)]

    proposals = world.multisig.propose(calls)

    assert [p.call for p in proposals] == calls
    assert [p.nonce for p in proposals] == [start, start + 1, start + 2]
    assert not any(p.already_pending for p in proposals)
    assert len({p.safe_tx_hash for p in proposals}) == 3
    world.confirm(proposals)
    assert world.pending_nonces()[-3:] == [start, start + 1, start + 2]


def test_new_proposals_come_after_those_already_pending(world: World) -> None:
    (first,) = world.multisig.propose([transfer()])
    (second,) = world.multisig.propose([transfer()])

    assert second.nonce == first.nonce + 1
    world.confirm([first, second])


def test_after_execution_proposals_start_at_the_safes_new_nonce(world: World) -> None:
    world.multisig.propose([transfer(), transfer()])
    assert world.execute_pending() >= 2
    assert world.pending_nonces() == []

    (proposal,) = world.multisig.propose([transfer()])

    assert proposal.nonce == world.safe_nonce()
    world.confirm([proposal])


def test_transactions_replaced_at_an_executed_nonce_are_not_pending_any_more(world: World) -> None:
    call = transfer()
    (stale,) = world.multisig.propose([call])
    while world.safe_nonce() <= stale.nonce:
        world.execute_other()

    (again,) = world.multisig.propose([call])

    assert not again.already_pending
    assert again.nonce == world.safe_nonce()
    world.confirm([again])


# --- identical proposals --------------------------------------------------------------------------


def test_an_identical_pending_proposal_is_not_posted_twice(world: World) -> None:
    call = transfer(7)
    (posted,) = world.multisig.propose([call])
    pending = world.pending_nonces()

    (again,) = world.multisig.propose([call])

    assert again.already_pending
    assert (again.nonce, again.safe_tx_hash, again.call) == (posted.nonce, posted.safe_tx_hash, call)
    assert world.pending_nonces() == pending


def test_in_a_batch_only_the_new_calls_are_posted(world: World) -> None:
    known = transfer(3)
    (posted,) = world.multisig.propose([known])
    new_a, new_b = transfer(4), transfer(5)

    proposals = world.multisig.propose([new_a, known, new_b])

    assert [p.already_pending for p in proposals] == [False, True, False]
    assert proposals[1].nonce == posted.nonce
    assert [proposals[0].nonce, proposals[2].nonce] == [posted.nonce + 1, posted.nonce + 2]
    world.confirm(proposals)


def test_same_target_and_data_with_another_value_is_a_new_proposal(world: World) -> None:
    target = Address.from_int(0xFEED)
    (first,) = world.multisig.propose([SafeCall(target, 1, b"\x01")])

    second, third = world.multisig.propose([SafeCall(target, 2, b"\x01"), SafeCall(target, 1, b"\x02")])

    assert not second.already_pending and not third.already_pending
    assert [second.nonce, third.nonce] == [first.nonce + 1, first.nonce + 2]


def test_proposing_nothing_posts_nothing(world: World) -> None:
    pending = world.pending_nonces()
    assert list(world.multisig.propose([])) == []
    assert world.pending_nonces() == pending


# --- execution -----------------------------------------------------------------------------------


def test_executed_proposals_leave_nothing_pending(world: World) -> None:
    proposals = world.multisig.propose([transfer(), batched([transfer(), transfer()])])
    world.confirm(proposals)

    world.execute_pending()

    assert world.pending_nonces() == []
    assert world.safe_nonce() == proposals[-1].nonce + 1


# --- reading what is pending ---------------------------------------------------------------------


def test_pending_transactions_are_every_proposal_not_yet_executed_in_nonce_order(world: World) -> None:
    before = len(world.multisig.pending_transactions())
    proposals = world.multisig.propose([transfer(1), batched([transfer(2), transfer(3)])])

    pending = world.multisig.pending_transactions()

    assert [(tx.nonce, tx.call) for tx in pending[before:]] == [(p.nonce, p.call) for p in proposals]
    assert [tx.nonce for tx in pending] == sorted(tx.nonce for tx in pending)
    assert all(tx.nonce >= world.safe_nonce() for tx in pending)


def test_executed_or_replaced_transactions_are_not_pending(world: World) -> None:
    world.multisig.propose([transfer(1)])
    world.execute_pending()
    (stale,) = world.multisig.propose([transfer(2)])
    while world.safe_nonce() <= stale.nonce:
        world.execute_other()

    assert list(world.multisig.pending_transactions()) == []


# --- the fake's own controls ----------------------------------------------------------------------


def test_the_fake_can_be_told_to_fail_once_and_then_posts_nothing() -> None:
    fake = FakeMultisig()
    fake.fail_with = ButlerError("service down")
    with pytest.raises(ButlerError, match="service down"):
        fake.propose([transfer()])
    assert fake.pending == {} and fake.proposals == []

    (proposal,) = fake.propose([transfer()])
    assert proposal.nonce == 0
    assert fake.posted == fake.proposals == [proposal]


# --- devnet only: the real Safe agrees and executes ----------------------------------------------


@pytest.mark.devnet
def test_every_kind_of_proposal_hashes_as_the_safe_does_and_executes(
    isolated_devnet: DevnetHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = DevnetWorld(isolated_devnet, monkeypatch)
    devnet = isolated_devnet
    assert devnet.multisend == MULTISEND_CALL_ONLY
    publishers = [Address(secrets.token_bytes(20)) for _ in range(3)]
    plain = SafeCall(publishers[0], ETH // 10, b"")
    batch = batched([SafeCall(publishers[1], ETH // 5, b""), SafeCall(publishers[2], 3, b"")])
    with_data = SafeCall(Address.from_int(0xDA7A), 0, bytes(range(70)))
    before = [devnet.chain.balance(p) for p in publishers]

    proposals = world.multisig.propose([plain, batch, with_data])
    world.confirm(proposals)
    assert proposals[1].call.operation is Operation.DELEGATE_CALL

    executed = devnet.actions.execute_pending()

    assert [e.safe_tx_hash for e in executed] == ["0x" + p.safe_tx_hash.hex() for p in proposals]
    assert [devnet.chain.balance(p) - b for p, b in zip(publishers, before, strict=True)] == [
        ETH // 10,
        ETH // 5,
        3,
    ]
    assert devnet.actions.safe.nonce() == proposals[-1].nonce + 1


@pytest.mark.devnet
def test_no_multisig_is_opened_without_a_proposer_key(
    devnet: DevnetHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    import attrs

    services = devnet_services(devnet)
    loaded = services.network(str(devnet.config_path), None)
    without_key = attrs.evolve(loaded, secrets=attrs.evolve(loaded.secrets, safe_proposer_key_file=None))

    assert services.multisig(without_key) is None


@pytest.mark.devnet
def test_without_a_proposer_key_the_pending_transactions_are_still_read_and_nothing_can_be_proposed(
    isolated_devnet: DevnetHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    import attrs

    from butler.domain.errors import UsageError

    world = DevnetWorld(isolated_devnet, monkeypatch)
    proposals = world.multisig.propose([transfer(1), transfer(2)])
    services = devnet_services(isolated_devnet)
    loaded = services.network(str(isolated_devnet.config_path), None)
    reader = services.safe_queue(
        attrs.evolve(loaded, secrets=attrs.evolve(loaded.secrets, safe_proposer_key_file=None))
    )
    assert reader is not None

    assert [(tx.nonce, tx.call) for tx in reader.pending_transactions()] == [
        (p.nonce, p.call) for p in proposals
    ]
    with pytest.raises(UsageError, match="needs a Safe proposer key"):
        reader.propose([transfer(3)])  # type: ignore[attr-defined]
    no_service = attrs.evolve(loaded.endpoints, safe_tx_service_url=None)
    assert services.safe_queue(attrs.evolve(loaded, endpoints=no_service)) is None


@pytest.mark.devnet
def test_a_service_on_another_chain_is_refused_before_anything_is_posted(
    isolated_devnet: DevnetHandle,
) -> None:
    from butler.adapters.safe.tx_service import SafeTxServiceMultisig
    from butler.devnet import accounts
    from butler.domain.keys import EthSecretKey

    devnet = isolated_devnet
    multisig = SafeTxServiceMultisig(
        service_url=devnet.tx_service_url,
        safe=devnet.safe,
        chain_id=1,
        proposer=EthSecretKey(int(accounts.SAFE_OWNER_1.key_hex, 16)),
    )

    with pytest.raises(ButlerError, match=f"serves chain {devnet.chain_id}, the network config says chain 1"):
        multisig.propose([transfer()])
    assert devnet.tx_service.pending(devnet.safe) == []


@pytest.mark.devnet
def test_a_proposer_that_is_neither_owner_nor_delegate_gets_the_services_refusal(
    isolated_devnet: DevnetHandle,
) -> None:
    from butler.adapters.safe.tx_service import SafeTxServiceMultisig
    from butler.devnet import accounts
    from butler.domain.keys import EthSecretKey

    devnet = isolated_devnet
    outsider = accounts.DEV_ACCOUNTS[5]
    multisig = SafeTxServiceMultisig(
        service_url=devnet.tx_service_url,
        safe=devnet.safe,
        chain_id=devnet.chain_id,
        proposer=EthSecretKey(int(outsider.key_hex, 16)),
    )

    with pytest.raises(ButlerError) as caught:
        multisig.propose([transfer()])

    (line,) = caught.value.problems
    assert "HTTP 422" in line and "not an owner or delegate" in line and "proposing" in line
    assert outsider.key_hex[2:] not in line.lower()
    assert devnet.tx_service.pending(devnet.safe) == []
