"""What one scraper cycle leaves behind (SPEC §14): the snapshot the metrics show and the status around it.

Immutable results: the cycle computes them, the metrics render them, neither needs the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, Suspicion
from butler.domain.entry_queue import FlushState, QueuedAttester
from butler.domain.lifecycle import Position
from butler.domain.scraper_config import AttesterState
from butler.domain.wei import Wei


@attrs.frozen
class StateChange:
    attester: Address
    previous: AttesterState
    state: AttesterState


@attrs.frozen
class RejectedTransition:
    """A move the chain showed that the lifecycle refuses: the attester stays in `state`."""

    attester: Address
    state: AttesterState
    position: Position


@attrs.frozen
class Snapshot:
    """Everything the metrics show about one completed cycle. Amounts in wei."""

    taken_at: datetime
    states: Mapping[Address, AttesterState]  # every attester of the scraper config, in its order
    counts: Mapping[AttesterState, int]  # every state, zeros included
    missing_coinbase: tuple[Address, ...]  # IN_STAKING_QUEUE without a known non-zero coinbase
    missing_coinbase_urgent: tuple[Address, ...]  # ACTIVE without one
    balances: Mapping[Address, Wei]  # every publisher
    required_topups: Mapping[Address, Wei]  # load x min_wei_per_attester - balance, at least 0
    provider_queue_length: int
    entry_queue_length: int
    flushes: FlushState
    queued: Mapping[Address, QueuedAttester]  # IN_STAKING_QUEUE, by queue position, with the ETA if known
    next_missing_coinbase_eta: int | None  # the earliest ETA among `missing_coinbase`, if any is known
    changes: tuple[StateChange, ...]
    rejected: tuple[RejectedTransition, ...]
    even_split: bool = False
    """No attester names its publishers: the loads behind `required_topups` assume an even split."""


@attrs.frozen
class ScrapeStatus:
    """The last good snapshot and how the latest cycle went: what a scrape of /metrics reads."""

    snapshot: Snapshot | None = None
    cycles: int = 0
    succeeded: bool = False
    duration_seconds: float = 0.0
    last_success_at: datetime | None = None
    error: str | None = None
    rejected_total: Mapping[tuple[AttesterState, Position], int] = attrs.field(factory=dict)
    """Rejected transitions since start, by the state kept and the position the chain showed."""
    accepted_head: BlockRef | None = None
    """The head the last successful cycle read at its start: later cycles are weighed against it."""
    suspicion: Suspicion | None = None
    """Why the latest cycle's reads were not believed, when that is why it failed."""
