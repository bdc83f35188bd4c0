"""The attester lifecycle: the transition table's edges, the missing-coinbase rule, and a stateful
property test driving random observation sequences through `next_state`."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.lifecycle import (
    TRANSITIONS,
    CoinbaseAlert,
    Observation,
    Position,
    coinbase_alert,
    next_state,
)
from butler.domain.onchain import AttesterStatus
from butler.domain.scraper_config import AttesterState

S = AttesterState
ACTIVATED = {S.ACTIVE, S.NO_LONGER_ACTIVE}
# The states an observation can leave an attester in when the move is taken: the chain decides.
AGREES_WITH = {
    Position.ABSENT: {S.NEW, S.NO_LONGER_ACTIVE},
    Position.PROVIDER_QUEUE: {S.IN_STAKING_PROVIDER_QUEUE},
    Position.ENTRY_QUEUE: {S.IN_STAKING_QUEUE},
    Position.VALIDATING: {S.ACTIVE},
    Position.EXITED: {S.NO_LONGER_ACTIVE},
}

observations = st.builds(
    Observation,
    in_provider_queue=st.booleans(),
    in_entry_queue=st.booleans(),
    status=st.sampled_from(AttesterStatus),
)


def seen(position: Position) -> Observation:
    return {
        Position.ABSENT: Observation(False, False, AttesterStatus.NONE),
        Position.PROVIDER_QUEUE: Observation(True, False, AttesterStatus.NONE),
        Position.ENTRY_QUEUE: Observation(False, True, AttesterStatus.NONE),
        Position.VALIDATING: Observation(False, False, AttesterStatus.VALIDATING),
        Position.EXITED: Observation(False, False, AttesterStatus.EXITING),
    }[position]


def test_the_states_are_those_of_the_spec_without_a_multisig_state() -> None:
    assert [s.value for s in AttesterState] == [
        "NEW",
        "IN_STAKING_PROVIDER_QUEUE",
        "IN_STAKING_QUEUE",
        "ACTIVE",
        "NO_LONGER_ACTIVE",
    ]


def test_the_table_has_one_entry_for_every_state_and_position() -> None:
    assert set(TRANSITIONS) == {(s, p) for s in AttesterState for p in Position}


@pytest.mark.parametrize(
    ("observation", "position"),
    [
        (Observation(False, False, AttesterStatus.NONE), Position.ABSENT),
        (Observation(True, False, AttesterStatus.NONE), Position.PROVIDER_QUEUE),
        (Observation(False, True, AttesterStatus.NONE), Position.ENTRY_QUEUE),
        # queued twice (the registry has no duplicate check): the further queue counts
        (Observation(True, True, AttesterStatus.NONE), Position.ENTRY_QUEUE),
        # the rollup's status beats a stray queue entry
        (Observation(True, True, AttesterStatus.VALIDATING), Position.VALIDATING),
        (Observation(False, False, AttesterStatus.ZOMBIE), Position.EXITED),
        (Observation(True, False, AttesterStatus.EXITING), Position.EXITED),
    ],
)
def test_the_position_comes_from_the_status_first_then_the_furthest_queue(
    observation: Observation, position: Position
) -> None:
    assert observation.position is position


@pytest.mark.parametrize(
    ("previous", "position", "expected"),
    [
        (S.NEW, Position.ABSENT, S.NEW),
        (S.NEW, Position.PROVIDER_QUEUE, S.IN_STAKING_PROVIDER_QUEUE),
        (S.IN_STAKING_PROVIDER_QUEUE, Position.ENTRY_QUEUE, S.IN_STAKING_QUEUE),
        (S.IN_STAKING_QUEUE, Position.VALIDATING, S.ACTIVE),
        (S.ACTIVE, Position.EXITED, S.NO_LONGER_ACTIVE),
        # an attester added to the config late, already far along
        (S.NEW, Position.VALIDATING, S.ACTIVE),
        (S.NEW, Position.EXITED, S.NO_LONGER_ACTIVE),
        # dripped from the provider queue; deposit refused by the GSE at flush
        (S.IN_STAKING_PROVIDER_QUEUE, Position.ABSENT, S.NEW),
        (S.IN_STAKING_QUEUE, Position.ABSENT, S.NEW),
        # exit completed and withdrawn between two cycles
        (S.ACTIVE, Position.ABSENT, S.NO_LONGER_ACTIVE),
        (S.NO_LONGER_ACTIVE, Position.ABSENT, S.NO_LONGER_ACTIVE),
    ],
)
def test_moves_the_chain_can_make_are_taken(previous: S, position: Position, expected: S) -> None:
    transition = next_state(previous, seen(position))

    assert (transition.state, transition.rejected) == (expected, False)
    assert transition.changed is (expected is not previous)


@pytest.mark.parametrize(
    ("previous", "position"),
    [
        (S.ACTIVE, Position.PROVIDER_QUEUE),
        (S.ACTIVE, Position.ENTRY_QUEUE),
        (S.NO_LONGER_ACTIVE, Position.PROVIDER_QUEUE),
        (S.NO_LONGER_ACTIVE, Position.ENTRY_QUEUE),
        (S.NO_LONGER_ACTIVE, Position.VALIDATING),
    ],
)
def test_impossible_moves_are_refused_and_reported(previous: S, position: Position) -> None:
    transition = next_state(previous, seen(position))

    assert transition.rejected
    assert transition.state is previous
    assert transition.position is position
    assert not transition.changed


def test_no_observation_takes_an_active_attester_back_to_new() -> None:
    assert all(next_state(S.ACTIVE, seen(p)).state is not S.NEW for p in Position)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (S.NEW, None),
        (S.IN_STAKING_PROVIDER_QUEUE, None),
        (S.IN_STAKING_QUEUE, CoinbaseAlert.MISSING),
        (S.ACTIVE, CoinbaseAlert.URGENT),
        (S.NO_LONGER_ACTIVE, None),
    ],
)
def test_a_missing_coinbase_matters_from_the_entry_queue_on(state: S, expected: CoinbaseAlert | None) -> None:
    assert coinbase_alert(state, None) is expected
    assert coinbase_alert(state, ZERO_ADDRESS) is expected, "a zero coinbase is no coinbase"
    assert coinbase_alert(state, Address.from_int(0xC0B)) is None


class Lifecycle(RuleBasedStateMachine):
    """One attester observed cycle after cycle; every step goes through `next_state`."""

    @initialize(start=st.sampled_from(AttesterState))
    def start(self, start: AttesterState) -> None:
        self.state = start
        self.history = [start]

    @rule(observation=observations)
    def observe(self, observation: Observation) -> None:
        previous = self.state
        transition = next_state(previous, observation)

        assert transition.previous is previous
        assert transition.position is observation.position
        if transition.rejected:
            assert transition.state is previous, "a refused move must keep the state"
            assert previous in ACTIVATED, "before activation the chain may move an attester anywhere"
        else:
            assert transition.state in AGREES_WITH[observation.position]
            again = next_state(transition.state, observation)
            assert (again.state, again.rejected) == (transition.state, False), "a state is stable"
        self.state = transition.state
        self.history.append(transition.state)

    @invariant()
    def the_state_is_a_known_one(self) -> None:
        assert isinstance(self.state, AttesterState)

    @invariant()
    def once_active_never_new_or_queued(self) -> None:
        if S.ACTIVE in self.history:
            after = self.history[self.history.index(S.ACTIVE) :]
            assert not set(after) & {S.NEW, S.IN_STAKING_PROVIDER_QUEUE, S.IN_STAKING_QUEUE}

    @invariant()
    def no_longer_active_is_absorbing(self) -> None:
        if S.NO_LONGER_ACTIVE in self.history:
            after = self.history[self.history.index(S.NO_LONGER_ACTIVE) :]
            assert set(after) == {S.NO_LONGER_ACTIVE}


TestLifecycle = Lifecycle.TestCase
