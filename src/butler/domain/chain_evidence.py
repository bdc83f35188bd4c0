"""Whether one cycle's reads may be trusted against what the scraper last accepted (SPEC §14).

A node can switch to another chain with the same contract addresses, fall behind, or follow a reorg that
dropped our registrations. What it then shows would move attesters back (an ACTIVE one "gone" reads as
exited), so such evidence is weighed before it is believed:

- the chain id must be the network's, on every cycle;
- the head must not be older than the head last accepted, and the block at the accepted head's height
  must still be that block (the new head descends from it);
- the staking provider must still be registered.

A head that does not descend from the accepted one (a reorg, or another chain with the same id) is
believed only when it sets no attester back; otherwise the cycle is suspect and nothing from it is
kept. A real reorg that dropped a registration therefore keeps the scraper failing until the chain shows
the registration again, which is the moment the old states come back.
"""

from __future__ import annotations

import enum

import attrs

from butler.domain.scraper_config import AttesterState


@attrs.frozen
class BlockRef:
    number: int
    hash: bytes

    def __str__(self) -> str:
        return f"block {self.number} (0x{self.hash.hex()[:12]}…)"


@attrs.frozen
class HeadReading:
    """What one round trip tells of the node: the chain id it reports, its head, and the block at the
    height asked for (None when not asked, or when the node has no block there)."""

    chain_id: int
    head: BlockRef
    ancestor: BlockRef | None


class Suspicion(enum.Enum):
    """Why a cycle's reads were not believed; the value is the metrics' `reason` label."""

    WRONG_CHAIN = "wrong_chain"
    HEAD_BEHIND = "head_behind"
    REORG = "reorg"
    PROVIDER_MISSING = "provider_missing"


# Progress before activation; NO_LONGER_ACTIVE is an end, never progress from the evidence's side.
_RANK = {
    AttesterState.NEW: 0,
    AttesterState.IN_STAKING_PROVIDER_QUEUE: 1,
    AttesterState.IN_STAKING_QUEUE: 2,
    AttesterState.ACTIVE: 3,
}


def is_setback(previous: AttesterState, state: AttesterState) -> bool:
    """Whether moving from `previous` to `state` loses ground: an exit, or a step back towards NEW."""
    if state is previous:
        return False
    if state is AttesterState.NO_LONGER_ACTIVE:
        return True
    return previous is AttesterState.NO_LONGER_ACTIVE or _RANK[state] < _RANK[previous]


def head_suspicion(accepted: BlockRef | None, head: BlockRef, then: BlockRef | None) -> str | None:
    """Why `head` is older than `accepted` (a lagging node), else None.

    `then` is the block the node now has at `accepted`'s height (None when it has none)."""
    if accepted is None:
        return None
    if head.number < accepted.number or then is None:
        return f"the node's head, {head}, is older than the last accepted {accepted}: a lagging node?"
    return None


def descends(accepted: BlockRef | None, then: BlockRef | None) -> bool:
    """Whether the node's block at the accepted head's height is the accepted head itself."""
    return accepted is None or (then is not None and then.hash == accepted.hash)
