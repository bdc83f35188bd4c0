"""The attester lifecycle the scraper follows (SPEC §13): one explicit transition table.

Each cycle the chain shows every attester in one `Position`, found from the rollup's status first and
from queue membership only when the rollup does not know the attester:

    EXITED          status ZOMBIE or EXITING
    VALIDATING      status VALIDATING
    ENTRY_QUEUE     status NONE, in the rollup entry queue
    PROVIDER_QUEUE  status NONE, in the provider queue (and not in the entry queue)
    ABSENT          status NONE, in neither queue

The rollup's status wins over queue membership because the registry has no duplicate check: a key
queued again by mistake must not drag a validating attester back into a queue.

`TRANSITIONS` maps (previous state, position) to the next state, or to `None` for a move that cannot
happen on chain; such a move is refused: the state stays and the transition is reported as rejected.

    previous \\ position   ABSENT            PROVIDER_QUEUE   ENTRY_QUEUE   VALIDATING   EXITED
    NEW                    NEW               IN_PROVIDER_Q    IN_STAKING_Q  ACTIVE       NO_LONGER
    IN_STAKING_PROVIDER_Q  NEW (dripped)     IN_PROVIDER_Q    IN_STAKING_Q  ACTIVE       NO_LONGER
    IN_STAKING_QUEUE       NEW (dep. failed) IN_PROVIDER_Q    IN_STAKING_Q  ACTIVE       NO_LONGER
    ACTIVE                 NO_LONGER         rejected         rejected      ACTIVE       NO_LONGER
    NO_LONGER_ACTIVE       NO_LONGER         rejected         rejected      rejected     NO_LONGER

Why each edge:
- Forward moves may skip states: a stake and a flush can both land between two cycles, and an
  attester first added to the scraper config (always NEW) may have been validating for months.
- Before activation an attester can leave the chain again: the provider admin drips it from the
  provider queue (`dripProviderQueue`), or the GSE refuses its deposit when the entry queue is flushed.
  It is then "known to us, not seen on chain", which is NEW, and may be registered again (EQ seen in
  the provider queue is such a failed deposit followed by a new registration).
- Once ACTIVE an attester never returns to a queue or to NEW: gone after validating means its exit
  completed (NO_LONGER_ACTIVE). An ACTIVE attester seen in a queue is a node serving an old block, or a
  key queued again: refused and reported.
- NO_LONGER_ACTIVE is absorbing. A state history that only moves forward after activation stays
  trustworthy when a lagging node shows the past; an exited attester staked again is reported on every
  cycle as a rejected transition, which is how the operator learns of it.

There is no WAITING_FOR_MULTISIG_SIGN: keys proposed to the Safe but not yet in the provider queue are
not on chain, so they are NEW.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from butler.domain.address import Address
from butler.domain.onchain import AttesterStatus
from butler.domain.scraper_config import AttesterState


class Position(enum.Enum):
    """Where the chain shows an attester in one cycle."""

    ABSENT = "ABSENT"
    PROVIDER_QUEUE = "PROVIDER_QUEUE"
    ENTRY_QUEUE = "ENTRY_QUEUE"
    VALIDATING = "VALIDATING"
    EXITED = "EXITED"


@attrs.frozen
class Observation:
    """What the chain shows for one attester in one cycle."""

    in_provider_queue: bool
    in_entry_queue: bool
    status: AttesterStatus

    @property
    def position(self) -> Position:
        if self.status in (AttesterStatus.ZOMBIE, AttesterStatus.EXITING):
            return Position.EXITED
        if self.status is AttesterStatus.VALIDATING:
            return Position.VALIDATING
        if self.in_entry_queue:
            return Position.ENTRY_QUEUE
        if self.in_provider_queue:
            return Position.PROVIDER_QUEUE
        return Position.ABSENT


TRANSITIONS: Mapping[tuple[AttesterState, Position], AttesterState | None] = {
    (AttesterState.NEW, Position.ABSENT): AttesterState.NEW,
    (AttesterState.NEW, Position.PROVIDER_QUEUE): AttesterState.IN_STAKING_PROVIDER_QUEUE,
    (AttesterState.NEW, Position.ENTRY_QUEUE): AttesterState.IN_STAKING_QUEUE,
    (AttesterState.NEW, Position.VALIDATING): AttesterState.ACTIVE,
    (AttesterState.NEW, Position.EXITED): AttesterState.NO_LONGER_ACTIVE,
    (AttesterState.IN_STAKING_PROVIDER_QUEUE, Position.ABSENT): AttesterState.NEW,
    (
        AttesterState.IN_STAKING_PROVIDER_QUEUE,
        Position.PROVIDER_QUEUE,
    ): AttesterState.IN_STAKING_PROVIDER_QUEUE,
    (AttesterState.IN_STAKING_PROVIDER_QUEUE, Position.ENTRY_QUEUE): AttesterState.IN_STAKING_QUEUE,
    (AttesterState.IN_STAKING_PROVIDER_QUEUE, Position.VALIDATING): AttesterState.ACTIVE,
    (AttesterState.IN_STAKING_PROVIDER_QUEUE, Position.EXITED): AttesterState.NO_LONGER_ACTIVE,
    (AttesterState.IN_STAKING_QUEUE, Position.ABSENT): AttesterState.NEW,
    (AttesterState.IN_STAKING_QUEUE, Position.PROVIDER_QUEUE): AttesterState.IN_STAKING_PROVIDER_QUEUE,
    (AttesterState.IN_STAKING_QUEUE, Position.ENTRY_QUEUE): AttesterState.IN_STAKING_QUEUE,
    (AttesterState.IN_STAKING_QUEUE, Position.VALIDATING): AttesterState.ACTIVE,
    (AttesterState.IN_STAKING_QUEUE, Position.EXITED): AttesterState.NO_LONGER_ACTIVE,
    (AttesterState.ACTIVE, Position.ABSENT): AttesterState.NO_LONGER_ACTIVE,
    (AttesterState.ACTIVE, Position.PROVIDER_QUEUE): None,
    (AttesterState.ACTIVE, Position.ENTRY_QUEUE): None,
    (AttesterState.ACTIVE, Position.VALIDATING): AttesterState.ACTIVE,
    (AttesterState.ACTIVE, Position.EXITED): AttesterState.NO_LONGER_ACTIVE,
    (AttesterState.NO_LONGER_ACTIVE, Position.ABSENT): AttesterState.NO_LONGER_ACTIVE,
    (AttesterState.NO_LONGER_ACTIVE, Position.PROVIDER_QUEUE): None,
    (AttesterState.NO_LONGER_ACTIVE, Position.ENTRY_QUEUE): None,
    (AttesterState.NO_LONGER_ACTIVE, Position.VALIDATING): None,
    (AttesterState.NO_LONGER_ACTIVE, Position.EXITED): AttesterState.NO_LONGER_ACTIVE,
}

# A missing pair would make `next_state` partial; fail at import rather than on some later cycle.
assert len(TRANSITIONS) == len(AttesterState) * len(Position)


@attrs.frozen
class Transition:
    """One attester's step in one cycle. `state` is where it is now: `next_state` unless rejected."""

    previous: AttesterState
    position: Position
    state: AttesterState
    rejected: bool

    @property
    def changed(self) -> bool:
        return self.state is not self.previous


def next_state(previous: AttesterState, observation: Observation) -> Transition:
    """The attester's state after this observation; impossible moves keep `previous`, rejected."""
    position = observation.position
    target = TRANSITIONS[previous, position]
    if target is None:
        return Transition(previous=previous, position=position, state=previous, rejected=True)
    return Transition(previous=previous, position=position, state=target, rejected=False)


class CoinbaseAlert(enum.Enum):
    """Why an attester's missing coinbase matters: rewards are about to flow, or already flow."""

    MISSING = "MISSING"  # in the entry queue: validating soon
    URGENT = "URGENT"  # validating: rewards go nowhere we know of


def coinbase_alert(state: AttesterState, coinbase: Address | None) -> CoinbaseAlert | None:
    """Whether an attester in `state` lacks the known non-zero coinbase it needs by now."""
    if coinbase is not None and not coinbase.is_zero:
        return None
    if state is AttesterState.IN_STAKING_QUEUE:
        return CoinbaseAlert.MISSING
    if state is AttesterState.ACTIVE:
        return CoinbaseAlert.URGENT
    return None
