"""One contract for the `Chain` port, run against the in-memory fake and the web3 adapter on the devnet.

Each parameter supplies a world: a `Chain` plus the same arranging verbs (queue keys for provider 1,
stake, flush, exit, fund), done by the fake's setters or by real transactions on the devnet (keys go
through the provider's Safe; flushing deposits them into the real GSE, which checks every proof of
possession). The devnet is shared by the session and may hold other tests' keys, so every test reads
the state before arranging and asserts on what its arrangement changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

import pytest

from butler.domain import bn254
from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.entry_queue import QueueConfig
from butler.domain.errors import ChainError
from butler.domain.keys import SECP256K1_N, BlsSecretKey, EthSecretKey, attester_address, bls_public_key
from butler.domain.onchain import AttesterStatus, DepositArgs, DepositStep, KeyStore, Provider
from butler.domain.registration import registration_keystore
from butler.domain.wei import WEI_PER_ETH
from butler.ports.chain import Chain
from butler.ports.chain_fake import FakeChain

if TYPE_CHECKING:
    from tests.integration.devnet_fixture import DevnetHandle

PROVIDER_ID = 1
TAKE_RATE = 500
ACTIVATION_THRESHOLD = 100 * 10**18
ANVIL_CHAIN_ID = 31337


class World(Protocol):
    chain: Chain
    chain_id: int
    provider_admin: Address
    rollup: Address
    delegator: Address

    def enqueue(self, stores: Sequence[KeyStore]) -> None: ...

    def stake(self, count: int) -> list[tuple[Address, Address]]:
        """Stakes `count` times; (attester, coinbase) per stake as the arranging side saw it."""
        ...

    def flush(self, count: int) -> None: ...

    def exit(self, attester: Address) -> None: ...

    def fund(self, account: Address, wei: int) -> None: ...

    def set_queue_config(self, config: QueueConfig) -> None: ...

    def flush_allowed(self) -> None:
        """Flushes as many as the rollup still allows in this epoch; time stays."""
        ...

    def next_epoch(self) -> None:
        """Time moves to the start of the next epoch."""
        ...


class FakeWorld:
    def __init__(self) -> None:
        self.chain_id = ANVIL_CHAIN_ID
        self.provider_admin = random_address()
        self.delegator = random_address()
        self.fake = FakeChain(chain_id=self.chain_id, activation_threshold=ACTIVATION_THRESHOLD)
        self.rollup = self.fake.rollup
        self.chain: Chain = self.fake
        assert self.fake.add_provider(self.provider_admin, take_rate=TAKE_RATE) == PROVIDER_ID

    def enqueue(self, stores: Sequence[KeyStore]) -> None:
        self.fake.enqueue_keys(PROVIDER_ID, stores)

    def stake(self, count: int) -> list[tuple[Address, Address]]:
        return [
            (e.attester, e.coinbase) for e in self.fake.stake(PROVIDER_ID, count, withdrawer=self.delegator)
        ]

    def flush(self, count: int) -> None:
        self.fake.flush(count)

    def exit(self, attester: Address) -> None:
        self.fake.exit(attester)

    def fund(self, account: Address, wei: int) -> None:
        self.fake.fund(account, wei)

    def set_queue_config(self, config: QueueConfig) -> None:
        self.fake.set_queue_config(config)

    def flush_allowed(self) -> None:
        self.fake.flush(2**32)

    def next_epoch(self) -> None:
        self.fake.advance_epochs(1)


class DevnetWorld:
    def __init__(self, devnet: DevnetHandle, *, aggregate: bool = False) -> None:
        from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
        from butler.adapters.files.config_file import load_network_config
        from butler.devnet import accounts

        config, _, endpoints = load_network_config(devnet.config_path)
        self.devnet = devnet
        self.chain: Chain = JsonRpcChain.from_config(config, endpoints, aggregate=aggregate)
        self.chain_id = devnet.chain_id
        self.provider_admin = devnet.safe
        self.rollup = devnet.rollup
        self.delegator = accounts.DELEGATOR.address
        assert devnet.provider_id == PROVIDER_ID

    def enqueue(self, stores: Sequence[KeyStore]) -> None:
        self.devnet.actions.add_keystores(stores)

    def stake(self, count: int) -> list[tuple[Address, Address]]:
        return [(s.attester, s.coinbase) for s in self.devnet.actions.stake(count)]

    def flush(self, count: int) -> None:
        self.devnet.actions.flush(count)

    def exit(self, attester: Address) -> None:
        self.devnet.actions.exit(attester)

    def fund(self, account: Address, wei: int) -> None:
        self.devnet.actions.fund(Decimal(wei) / WEI_PER_ETH, [account])

    def set_queue_config(self, config: QueueConfig) -> None:
        self.devnet.actions.set_queue_config(config)

    def flush_allowed(self) -> None:
        self.devnet.actions.flush_allowed()

    def next_epoch(self) -> None:
        self.devnet.actions.advance_epochs(1)


@pytest.fixture(
    params=[
        "fake",
        pytest.param("devnet", marks=pytest.mark.devnet),
        # the adapter reading many items per eth_call (as the scraper does)
        pytest.param("devnet-aggregated", marks=pytest.mark.devnet),
    ]
)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "fake":
        yield FakeWorld()
    else:
        aggregate = request.param == "devnet-aggregated"
        yield DevnetWorld(request.getfixturevalue("isolated_devnet"), aggregate=aggregate)


def random_address() -> Address:
    return Address(secrets.token_bytes(20))


def new_keystores(chain: Chain, count: int) -> list[KeyStore]:
    """Fresh validators' registration data, their proofs signed over the digests `chain` reports."""
    eth_keys = [EthSecretKey(1 + secrets.randbelow(SECP256K1_N - 1)) for _ in range(count)]
    bls_keys = [BlsSecretKey(1 + secrets.randbelow(bn254.R - 1)) for _ in range(count)]
    digests = chain.registration_digests([bls_public_key(k).point for k in bls_keys])
    return [
        registration_keystore(attester_address(eth), bls, digest)
        for eth, bls, digest in zip(eth_keys, bls_keys, digests, strict=True)
    ]


def deposit_of(store: KeyStore, withdrawer: Address) -> DepositArgs:
    return DepositArgs(
        attester=store.attester,
        withdrawer=withdrawer,
        public_key_g1=store.public_key_g1,
        public_key_g2=store.public_key_g2,
        proof_of_possession=store.proof_of_possession,
        move_with_latest_rollup=False,
    )


# --- identity of the chain ------------------------------------------------------------------------


def test_chain_id_is_the_networks(world: World) -> None:
    assert world.chain.chain_id() == world.chain_id


def test_head_block_moves_forward_with_each_transaction(world: World) -> None:
    first = world.chain.head_block()
    assert world.chain.head_block() >= first

    world.fund(random_address(), 1)

    assert world.chain.head_block() > first


# --- providers ------------------------------------------------------------------------------------


def test_a_provider_is_found_by_id_and_unknown_ids_are_none(world: World) -> None:
    expected = Provider(
        id=PROVIDER_ID,
        admin=world.provider_admin,
        take_rate=TAKE_RATE,
        rewards_recipient=world.provider_admin,
    )

    assert world.chain.provider_by_id(PROVIDER_ID) == expected
    assert world.chain.provider_by_id(0) is None
    assert world.chain.provider_by_id(PROVIDER_ID + 1000) is None


def test_a_provider_is_found_by_its_admin_in_any_case(world: World) -> None:
    lowercase = Address.parse(world.provider_admin.checksum.lower())

    found = world.chain.provider_by_admin(lowercase)

    assert found is not None
    assert found.id == PROVIDER_ID
    assert world.chain.provider_by_admin(random_address()) is None


# --- queues ---------------------------------------------------------------------------------------


def test_keys_join_the_provider_queue_at_its_tail_in_order_even_twice(world: World) -> None:
    before = list(world.chain.provider_queue(PROVIDER_ID))
    stores = new_keystores(world.chain, 3)

    world.enqueue(stores)
    world.enqueue(stores[:1])

    assert list(world.chain.provider_queue(PROVIDER_ID)) == [*before, *stores, stores[0]]


def test_staking_moves_the_queue_head_into_the_entry_queue(world: World) -> None:
    world.enqueue(new_keystores(world.chain, 2))
    queued = list(world.chain.provider_queue(PROVIDER_ID))
    waiting = list(world.chain.entry_queue())

    world.stake(len(queued) - 1)

    assert list(world.chain.provider_queue(PROVIDER_ID)) == queued[-1:]
    expected = [*waiting, *(deposit_of(store, world.delegator) for store in queued[:-1])]
    assert list(world.chain.entry_queue()) == expected


# --- attester lifecycle ---------------------------------------------------------------------------


def test_an_attester_goes_from_none_through_the_entry_queue_to_validating_and_exiting(world: World) -> None:
    chain = world.chain
    stores = new_keystores(chain, 2)
    ours = [store.attester for store in stores]
    assert {a: v.status for a, v in chain.attester_views(ours).items()} == dict.fromkeys(
        ours, AttesterStatus.NONE
    )

    world.enqueue(stores)
    world.stake(len(chain.provider_queue(PROVIDER_ID)))

    entry_attesters = [deposit.attester for deposit in chain.entry_queue()]
    assert set(ours) <= set(entry_attesters)
    # Waiting in the entry queue still reads NONE: membership only shows in the queue itself.
    assert all(view.status == AttesterStatus.NONE for view in chain.attester_views(ours).values())

    world.flush(len(entry_attesters))

    assert not set(ours) & {deposit.attester for deposit in chain.entry_queue()}
    views = chain.attester_views(ours)
    assert {a: v.status for a, v in views.items()} == dict.fromkeys(ours, AttesterStatus.VALIDATING)
    assert all(v.effective_balance == ACTIVATION_THRESHOLD for v in views.values())
    assert all(v.withdrawer == world.delegator for v in views.values())

    world.exit(ours[0])

    views = chain.attester_views(ours)
    assert views[ours[0]].status == AttesterStatus.EXITING
    assert views[ours[1]].status == AttesterStatus.VALIDATING


# --- entry-queue flushes --------------------------------------------------------------------------

TWO_PER_EPOCH = QueueConfig(
    bootstrap_validator_set_size=0,
    bootstrap_flush_size=0,
    normal_flush_size_min=2,
    normal_flush_size_quotient=1_000_000,
    max_queue_flush_size=2,
)


def test_the_entry_queue_state_holds_the_queue_and_its_flush_allowance(world: World) -> None:
    chain = world.chain
    world.set_queue_config(TWO_PER_EPOCH)
    world.next_epoch()
    world.enqueue(new_keystores(chain, 4))
    world.stake(len(chain.provider_queue(PROVIDER_ID)))

    state = chain.entry_queue_state()
    assert list(state.entries) == list(chain.entry_queue())
    flushes = state.flushes
    assert flushes.config == TWO_PER_EPOCH
    assert (flushes.flush_size, flushes.available_flushes) == (2, 2)
    assert flushes.next_flushable_epoch <= flushes.current_epoch
    epoch = flushes.current_epoch

    world.flush(1)
    after_one = chain.entry_queue_state().flushes
    assert (after_one.available_flushes, after_one.next_flushable_epoch) == (1, epoch + 1)
    assert after_one.active_attester_count == flushes.active_attester_count + 1
    assert after_one.is_bootstrapped  # no bootstrap size: the first flush bootstraps

    world.flush_allowed()  # the allowance lets one more through
    assert len(chain.entry_queue()) == len(state.entries) - 2
    assert chain.entry_queue_state().flushes.available_flushes == 0

    world.next_epoch()
    later = chain.entry_queue_state().flushes
    assert (later.current_epoch, later.available_flushes) == (epoch + 1, 2)
    assert later.clock == flushes.clock
    assert later.clock.epoch_start(epoch + 1) - later.clock.epoch_start(epoch) > 0


def test_every_queued_attester_is_flushed_in_the_epoch_the_schedule_names(world: World) -> None:
    chain = world.chain
    world.set_queue_config(TWO_PER_EPOCH)
    world.enqueue(new_keystores(chain, 5))
    world.stake(len(chain.provider_queue(PROVIDER_ID)))
    state = chain.entry_queue_state()
    schedule = state.schedule()
    predicted = {}
    for position, deposit in enumerate(state.entries):
        batch = schedule.batch_of(position)
        assert batch is not None
        predicted[deposit.attester] = batch.epoch

    flushed_in: dict[Address, int] = {}
    while chain.entry_queue():
        epoch = chain.entry_queue_state().flushes.current_epoch
        waiting = [d.attester for d in chain.entry_queue()]
        world.flush_allowed()
        left = {d.attester for d in chain.entry_queue()}
        flushed_in.update((a, epoch) for a in waiting if a not in left)
        world.next_epoch()

    assert flushed_in == predicted
    statuses = chain.attester_views(list(predicted))
    assert all(v.status is AttesterStatus.VALIDATING for v in statuses.values())


def test_an_unknown_attester_reads_none(world: World) -> None:
    stranger = random_address()

    view = world.chain.attester_views([stranger])[stranger]

    assert view.status == AttesterStatus.NONE
    assert view.effective_balance == 0
    assert view.withdrawer == ZERO_ADDRESS


# --- balances -------------------------------------------------------------------------------------


def test_balances_follow_transfers(world: World) -> None:
    a, b = random_address(), random_address()
    assert world.chain.balances([a, b]) == {a: 0, b: 0}

    world.fund(a, 15 * 10**17)
    world.fund(b, 10**17)
    world.fund(b, 2 * 10**17)

    assert world.chain.balances([a, b, a]) == {a: 15 * 10**17, b: 3 * 10**17}


# --- StakedWithProvider events --------------------------------------------------------------------


def test_each_stake_is_an_event_naming_attester_and_a_fresh_coinbase(world: World) -> None:
    chain = world.chain
    start = chain.head_block() + 1
    world.enqueue(new_keystores(chain, 3))

    staked = world.stake(len(chain.provider_queue(PROVIDER_ID)))
    end = chain.head_block()

    events = chain.staked_with_provider(PROVIDER_ID, start, end)
    assert [(e.attester, e.coinbase) for e in events] == staked
    assert all(e.provider_id == PROVIDER_ID and e.rollup == world.rollup for e in events)
    assert all(not e.coinbase.is_zero and not e.staker_implementation.is_zero for e in events)
    assert len({e.coinbase for e in events}) == len(events)
    positions = [(e.block_number, e.log_index) for e in events]
    assert positions == sorted(set(positions))
    assert start <= positions[0][0] and positions[-1][0] <= end
    assert chain.staked_with_provider(PROVIDER_ID + 1000, start, end) == []
    assert chain.staked_with_provider(PROVIDER_ID, start, start - 1) == []


def test_stake_events_can_be_read_for_some_attesters_only(world: World) -> None:
    chain = world.chain
    start = chain.head_block() + 1
    stores = new_keystores(chain, 3)
    world.enqueue(stores)
    world.stake(len(chain.provider_queue(PROVIDER_ID)))
    end = chain.head_block()

    wanted = [stores[2].attester, stores[0].attester, random_address()]
    events = chain.staked_with_provider(PROVIDER_ID, start, end, attesters=wanted)

    assert [e.attester for e in events] == [stores[0].attester, stores[2].attester]
    assert chain.staked_with_provider(PROVIDER_ID, start, end, attesters=[]) == []


def test_each_deposit_is_queued_in_its_stakes_transaction_and_a_repeated_one_fails_at_the_flush(
    world: World,
) -> None:
    chain = world.chain
    start = chain.head_block() + 1
    if chain.entry_queue():
        world.flush(len(chain.entry_queue()))  # whatever earlier tests left
    (store, other) = new_keystores(chain, 2)
    world.enqueue([store, other, store])  # one attester queued twice, as the registry allows
    world.stake(len(chain.provider_queue(PROVIDER_ID)))
    world.flush(len(chain.entry_queue()))
    end = chain.head_block()

    stakes = chain.staked_with_provider(PROVIDER_ID, start, end, attesters=[store.attester])
    events = chain.rollup_deposit_events([store.attester], start, end)

    assert len(stakes) == 2 and all(s.transaction_hash for s in stakes)
    assert [e.step for e in events] == [
        DepositStep.QUEUED,
        DepositStep.QUEUED,
        DepositStep.DEPOSITED,
        DepositStep.FAILED,
    ]
    assert all(e.attester == store.attester for e in events)
    assert [e.transaction_hash for e in events[:2]] == [s.transaction_hash for s in stakes]
    assert [(e.block_number, e.log_index) for e in events] == sorted(
        (e.block_number, e.log_index) for e in events
    )
    assert events[2].block_number > stakes[1].block_number
    assert [e.step for e in chain.rollup_deposit_events([other.attester], start, end)] == [
        DepositStep.QUEUED,
        DepositStep.DEPOSITED,
    ]
    assert chain.rollup_deposit_events([random_address()], start, end) == []
    assert chain.rollup_deposit_events([], start, end) == []


def test_block_hashes_are_stable_distinct_and_absent_beyond_the_head(world: World) -> None:
    chain = world.chain
    world.fund(random_address(), 1)
    head = chain.head_block()

    hashes = chain.block_hashes([head, head - 1, head + 5])

    assert set(hashes) == {head, head - 1}
    assert all(len(h) == 66 and h.startswith("0x") and h == h.lower() for h in hashes.values())
    assert hashes[head] != hashes[head - 1]
    world.fund(random_address(), 1)
    assert chain.block_hashes([head - 1, head]) == hashes


def test_a_block_is_the_one_block_hashes_names_and_none_beyond_the_head(world: World) -> None:
    chain = world.chain
    world.fund(random_address(), 1)
    head = chain.block()
    assert head is not None and head.number >= chain.head_block() - 1

    for number in (head.number, head.number - 1):
        block = chain.block(number)
        assert block is not None and block.number == number
        assert chain.block_hashes([number]) == {number: "0x" + block.hash.hex()}
    assert chain.block(head.number + 1000) is None
    reading = chain.read_head(head.number - 1)
    assert reading.chain_id == chain.chain_id()
    assert reading.head.number >= head.number and reading.ancestor == chain.block(head.number - 1)
    assert chain.read_head().ancestor is None
    assert chain.read_head(reading.head.number + 1000).ancestor is None


# --- registration digests -------------------------------------------------------------------------


def test_registration_digests_are_distinct_deterministic_curve_points(world: World) -> None:
    keys = [bls_public_key(BlsSecretKey(1 + secrets.randbelow(bn254.R - 1))).point for _ in range(3)]

    digests = list(world.chain.registration_digests(keys))

    assert all(bn254.is_on_curve_g1(d) for d in digests)
    assert len(set(digests)) == len(keys)
    assert not set(digests) & set(keys)
    assert list(world.chain.registration_digests(keys)) == digests
    assert list(world.chain.registration_digests(keys[::-1])) == digests[::-1]
    assert list(world.chain.registration_digests([])) == []


# --- the web3 adapter only ------------------------------------------------------------------------


@pytest.mark.devnet
def test_the_adapter_refuses_a_node_on_another_chain(devnet: DevnetHandle) -> None:
    from butler.adapters.chain.jsonrpc_chain import JsonRpcChain

    chain = JsonRpcChain(
        devnet.rpc_url,
        chain_id=devnet.chain_id + 1,
        staking_registry=devnet.staking_registry,
        rollup=devnet.rollup,
        network="elsewhere",
    )

    with pytest.raises(ChainError) as caught:
        chain.provider_by_id(PROVIDER_ID)

    host = devnet.rpc_url.rstrip("/")
    assert str(caught.value) == (
        f"rpc_url {host} reports chain id {devnet.chain_id} but the config for network 'elsewhere' "
        f"expects {devnet.chain_id + 1}"
    )
