"""Which attesters count as already on chain: the pure rule, the check over the chain port, and which
provider the configuration means. The chain is the in-memory FakeChain."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError, CheckFailed, UsageError
from butler.domain.known_attesters import already_known
from butler.domain.onchain import AttesterStatus, AttesterView, DepositArgs, G1Point, G2Point, KeyStore
from butler.ports.chain_fake import FAKE_ROLLUP, FakeChain
from butler.usecases.steps.providers import resolve_provider
from butler.usecases.steps.registration_check import ensure_not_on_chain
from tests.strategies import address_pool

# A small pool, so that inputs and chain state overlap often.
addresses = address_pool(12)
statuses = st.sampled_from(AttesterStatus)

G1 = G1Point(1, 2)
G2 = G2Point(1, 2, 3, 4)


def key_store(attester: Address) -> KeyStore:
    return KeyStore(attester=attester, public_key_g1=G1, public_key_g2=G2, proof_of_possession=G1)


def deposit(attester: Address) -> DepositArgs:
    return DepositArgs(
        attester=attester,
        withdrawer=Address.from_int(0xBEEF),
        public_key_g1=G1,
        public_key_g2=G2,
        proof_of_possession=G1,
        move_with_latest_rollup=False,
    )


def view(status: AttesterStatus) -> AttesterView:
    return AttesterView(status=status, effective_balance=0, withdrawer=Address.from_int(0xBEEF))


@attrs.frozen
class ChainState:
    provider_queue: list[Address]
    entry_queue: list[Address]
    statuses: dict[Address, AttesterStatus]


chain_states = st.builds(
    ChainState,
    provider_queue=st.lists(addresses, max_size=6),
    entry_queue=st.lists(addresses, max_size=6),
    statuses=st.dictionaries(addresses, statuses, max_size=8),
)


def known(attesters: list[Address], state: ChainState) -> dict[Address, str]:
    return already_known(
        attesters,
        provider_queue=[key_store(a) for a in state.provider_queue],
        entry_queue=[deposit(a) for a in state.entry_queue],
        views={a: view(s) for a, s in state.statuses.items()},
    )


def on_chain(attester: Address, state: ChainState) -> bool:
    return (
        attester in state.provider_queue
        or attester in state.entry_queue
        or state.statuses.get(attester, AttesterStatus.NONE) is not AttesterStatus.NONE
    )


@given(st.lists(addresses, max_size=10), chain_states)
def test_exactly_the_attesters_found_somewhere_on_chain_are_reported(
    attesters: list[Address], state: ChainState
) -> None:
    found = known(attesters, state)
    assert set(found) == {a for a in attesters if on_chain(a, state)}


@given(st.lists(addresses, max_size=10), chain_states)
def test_report_follows_input_order_once_per_attester(attesters: list[Address], state: ChainState) -> None:
    found = known(attesters, state)
    assert list(found) == [a for a in dict.fromkeys(attesters) if a in found]


@given(st.lists(addresses, min_size=1, max_size=10), chain_states)
def test_description_names_every_place_and_only_those(attesters: list[Address], state: ChainState) -> None:
    for attester, where in known(attesters, state).items():
        status = state.statuses.get(attester, AttesterStatus.NONE)
        assert ("provider queue" in where) == (attester in state.provider_queue)
        assert ("entry queue" in where) == (attester in state.entry_queue)
        assert ("known to the rollup" in where) == (status is not AttesterStatus.NONE)
        if status is not AttesterStatus.NONE:
            assert f"status {status.name}" in where


@given(st.lists(addresses, max_size=10), chain_states, chain_states)
def test_more_chain_state_never_hides_a_known_attester(
    attesters: list[Address], state: ChainState, extra: ChainState
) -> None:
    # The grown chain keeps every non-NONE status of `state`; other views come from `extra`.
    merged_statuses = {**extra.statuses}
    for attester, status in state.statuses.items():
        if status is not AttesterStatus.NONE or attester not in merged_statuses:
            merged_statuses[attester] = status
    grown = ChainState(
        provider_queue=state.provider_queue + extra.provider_queue,
        entry_queue=extra.entry_queue + state.entry_queue,
        statuses=merged_statuses,
    )
    assert set(known(attesters, state)) <= set(known(attesters, grown))


@given(st.lists(addresses, max_size=10), st.lists(addresses, max_size=10), chain_states)
def test_each_attester_is_judged_on_its_own(
    first: list[Address], second: list[Address], state: ChainState
) -> None:
    together = known(first + second, state)
    alone = {**known(first, state), **known(second, state)}
    assert together == alone


@given(st.lists(addresses, max_size=10))
def test_nothing_is_known_on_an_empty_chain_or_with_status_none(attesters: list[Address]) -> None:
    none_views = {a: view(AttesterStatus.NONE) for a in attesters}
    assert already_known(attesters, provider_queue=[], entry_queue=[], views=none_views) == {}


def test_case_of_the_written_address_does_not_matter() -> None:
    attester = Address.from_int(0xABCDEF0123456789ABCDEF)
    lower = Address.parse(attester.checksum.lower())
    found = already_known([lower], provider_queue=[key_store(attester)], entry_queue=[], views={})
    assert found == {attester: "in the provider queue"}


# --- the check over the chain port ---------------------------------------------------------------

STAGES = ("fresh", "provider queue", "entry queue", "validating", "exiting")
WHERE = {
    "provider queue": "in the provider queue",
    "entry queue": "in the rollup entry queue",
    "validating": "known to the rollup with status VALIDATING",
    "exiting": "known to the rollup with status EXITING",
}


def chain_with(
    stages: dict[Address, str], other_providers: int, noise: list[Address]
) -> tuple[FakeChain, int]:
    """Our provider registered after `other_providers` others, whose queues hold `noise`; each attester
    of `stages` brought to its stage through the provider queue, as on a real chain."""
    chain = FakeChain()
    for n in range(other_providers):
        other = chain.add_provider(Address.from_int(0xA000 + n))
        chain.enqueue_keys(other, [key_store(a) for a in noise])
    ours = chain.add_provider(Address.from_int(0xAD31))

    def at(*wanted: str) -> list[Address]:
        return [a for stage in wanted for a, at_stage in stages.items() if at_stage == stage]

    # Queues are FIFO: who must travel furthest is queued first.
    chain.enqueue_keys(
        ours, [key_store(a) for a in at("validating", "exiting", "entry queue", "provider queue")]
    )
    chain.stake(ours, len(at("validating", "exiting", "entry queue")))
    chain.flush(len(at("validating", "exiting")))
    for attester in at("exiting"):
        chain.exit(attester)
    chain.reads.clear()
    return chain, ours


pool = st.lists(addresses, min_size=1, max_size=8, unique=True)


@given(
    st.dictionaries(addresses, st.sampled_from(STAGES), max_size=8),
    pool,
    st.integers(min_value=0, max_value=3),
    st.lists(address_pool(11, first=100), max_size=3),
)
def test_the_check_refuses_every_attester_already_on_chain_in_input_order(
    stages: dict[Address, str], attesters: list[Address], others: int, noise: list[Address]
) -> None:
    chain, provider_id = chain_with(stages, others, noise)
    expected = tuple(
        f"attester {a.checksum}: already {WHERE[stages[a]]}"
        for a in attesters
        if stages.get(a, "fresh") != "fresh"
    )
    if expected:
        with pytest.raises(CheckFailed) as refused:
            ensure_not_on_chain(chain, provider_id, attesters)
        assert refused.value.problems == expected
    else:
        ensure_not_on_chain(chain, provider_id, attesters)


@given(pool, st.integers(min_value=1, max_value=3))
def test_the_check_reads_each_source_once_however_many_attesters(
    attesters: list[Address], times: int
) -> None:
    chain, provider_id = chain_with({}, 0, [])
    ensure_not_on_chain(chain, provider_id, attesters * times)
    assert sorted(chain.reads) == ["attester_views", "entry_queue", "provider_queue"]


class _BusyChain(FakeChain):
    """A chain on which, right after each read, every key moves one stage on (stake, then flush)."""

    provider_id = 0

    def _move_on(self) -> None:
        self.flush(len(FakeChain.entry_queue(self)))
        self.stake(self.provider_id, len(FakeChain.provider_queue(self, self.provider_id)))

    def provider_queue(self, provider_id: int):
        found = super().provider_queue(provider_id)
        self._move_on()
        return found

    def entry_queue(self):
        found = super().entry_queue()
        self._move_on()
        return found


@pytest.mark.parametrize("stage", ["provider queue", "entry queue"])
def test_an_attester_moving_on_between_the_reads_is_still_caught(stage: str) -> None:
    attester = Address.from_int(1)
    chain = _BusyChain()
    chain.provider_id = chain.add_provider(Address.from_int(0xAD31))
    chain.enqueue_keys(chain.provider_id, [key_store(attester)])
    if stage == "entry queue":
        chain.stake(chain.provider_id)

    with pytest.raises(CheckFailed, match=f"attester {attester.checksum}: already "):
        ensure_not_on_chain(chain, chain.provider_id, [attester])


def test_a_chain_that_cannot_be_read_fails_the_check() -> None:
    chain, provider_id = chain_with({}, 0, [])
    chain.fail_reads("node down")
    with pytest.raises(ChainError, match="node down"):
        ensure_not_on_chain(chain, provider_id, [Address.from_int(1)])


# --- which provider the configuration means ------------------------------------------------------

admins = address_pool(4, first=0xAD01)


def config(provider_id: int | None = None, provider_admin: Address | None = None) -> NetworkConfig:
    return NetworkConfig(
        network="testnet",
        chain_id=31337,
        staking_registry=Address.from_int(0x5EC),
        rollup=FAKE_ROLLUP,
        provider_id=provider_id,
        provider_admin=provider_admin,
    )


def chain_of_providers(provider_admins: list[Address]) -> FakeChain:
    chain = FakeChain()
    for admin in provider_admins:
        chain.add_provider(admin)
    return chain


@given(st.lists(admins, max_size=5), st.integers(min_value=1, max_value=7))
def test_a_configured_id_names_that_provider_or_fails(
    provider_admins: list[Address], provider_id: int
) -> None:
    chain = chain_of_providers(provider_admins)
    if provider_id <= len(provider_admins):
        provider = resolve_provider(chain, config(provider_id=provider_id))
        assert (provider.id, provider.admin) == (provider_id, provider_admins[provider_id - 1])
    else:
        with pytest.raises(CheckFailed, match=f"provider {provider_id} is not registered on testnet"):
            resolve_provider(chain, config(provider_id=provider_id))


@given(st.lists(admins, max_size=5), admins)
def test_a_configured_admin_names_its_first_provider_or_fails(
    provider_admins: list[Address], admin: Address
) -> None:
    chain = chain_of_providers(provider_admins)
    if admin in provider_admins:
        provider = resolve_provider(chain, config(provider_admin=admin))
        assert provider.id == provider_admins.index(admin) + 1
        assert provider.admin == admin
    else:
        with pytest.raises(CheckFailed, match=f"no provider on testnet is administered by {admin}"):
            resolve_provider(chain, config(provider_admin=admin))


@given(st.lists(admins, min_size=1, max_size=5), st.data())
def test_id_and_admin_together_must_agree(provider_admins: list[Address], data: st.DataObject) -> None:
    chain = chain_of_providers(provider_admins)
    provider_id = data.draw(st.integers(min_value=1, max_value=len(provider_admins)))
    admin = data.draw(admins)
    wanted = config(provider_id=provider_id, provider_admin=admin)
    if provider_admins[provider_id - 1] == admin:
        assert resolve_provider(chain, wanted).id == provider_id
    else:
        with pytest.raises(CheckFailed, match=f"not by the configured provider_admin {admin}"):
            resolve_provider(chain, wanted)


def test_a_config_naming_no_provider_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        resolve_provider(chain_of_providers([Address.from_int(0xAD01)]), config())


class _ForgetfulChain(FakeChain):
    """A chain whose status answer leaves one attester out."""

    def attester_views(self, attesters):
        views = dict(super().attester_views(attesters))
        views.pop(attesters[-1])
        return views


def test_a_status_answer_that_leaves_an_attester_out_fails_the_check():
    chain = _ForgetfulChain()
    provider = chain.add_provider(Address.from_int(0xADA))
    with pytest.raises(ChainError, match="gave no status for 1 attesters"):
        ensure_not_on_chain(chain, provider, [Address.from_int(1), Address.from_int(2)])
