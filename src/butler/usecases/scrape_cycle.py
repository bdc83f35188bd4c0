"""One cycle of the scraper (SPEC §13-14): read the chain for every attester and publisher of the scraper
config, advance the attesters' states, keep them in the config, and sum it all up for the metrics.

A cycle that cannot complete changes nothing that was good: the previous snapshot stays what the metrics
show, the failure is recorded next to it, and the next cycle starts afresh from the scraper config.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.chain_evidence import BlockRef, Suspicion, descends, head_suspicion, is_setback
from butler.domain.config import NetworkConfig
from butler.domain.entry_queue import (
    EntryQueueState,
    earliest_eta,
    queued_attesters,
)
from butler.domain.errors import ButlerError
from butler.domain.funding import required_top_up
from butler.domain.lifecycle import CoinbaseAlert, Observation, coinbase_alert, next_state
from butler.domain.onchain import AttesterView, KeyStore
from butler.domain.scrape_status import RejectedTransition, ScrapeStatus, Snapshot, StateChange
from butler.domain.scraper_config import (
    AttesterState,
    ScraperConfig,
    assumed_publisher_loads,
    publisher_loads,
    with_states,
)
from butler.domain.wei import Wei
from butler.ports.chain import Chain
from butler.ports.clock import Clock
from butler.ports.json_documents import ScraperConfigFiles
from butler.usecases.steps.chain_answers import answered
from butler.usecases.steps.scraper_config_scope import check_scraper_config


class _Suspect(Exception):
    def __init__(self, suspicion: Suspicion, detail: str) -> None:
        super().__init__(detail)
        self.suspicion = suspicion
        self.detail = detail


def scrape_cycle(
    previous: ScrapeStatus,
    *,
    chain: Chain,
    files: ScraperConfigFiles,
    config_path: Path,
    network: NetworkConfig,
    clock: Clock,
) -> ScrapeStatus:
    """Run one cycle and return the status to show next.

    The scraper config is read afresh, so that an updated file takes effect without a restart, and
    written back (atomically) only when an attester's state changed and the file is still the one read.
    An expected error (the chain, the file) fails the cycle: `previous.snapshot` stays, the failure is
    recorded.
    """
    started = clock.now()
    try:
        config = files.read(config_path)
        check_scraper_config(config_path, config, network)
        head, trusted = _weigh_head(chain, network, previous.accepted_head)
        snapshot = _observe(config, chain, network.min_wei_per_attester, started)
        _weigh_evidence(chain, config, head, trusted, snapshot)
    except _Suspect as suspect:
        failure = failed(previous, started=started, finished=clock.now(), error=suspect.detail)
        return attrs.evolve(failure, suspicion=suspect.suspicion)
    except ButlerError as error:
        return failed(
            previous, started=started, finished=clock.now(), error="; ".join(map(str, error.problems))
        )
    rejected_total = Counter(previous.rejected_total)
    rejected_total.update((r.state, r.position) for r in snapshot.rejected)
    try:
        # A state the file does not hold yet is saved, a first NEW included, so restarts keep history.
        unsaved = {
            a.address: snapshot.states[a.address]
            for a in config.attesters
            if a.last_seen_state is not snapshot.states[a.address]
        }
        # The operator may have replaced the file while the chain was read (new attesters, say): their
        # file wins, and the states are worked out again from it on the next cycle.
        if unsaved and files.read(config_path) == config:
            files.write(config_path, with_states(config, unsaved, clock.now()))
    except ButlerError as error:
        # The values are fresh, so they are shown; the states are computed again from the file next time.
        failure = failed(
            previous,
            started=started,
            finished=clock.now(),
            error="saving states: " + "; ".join(map(str, error.problems)),
        )
        return attrs.evolve(failure, snapshot=snapshot, rejected_total=dict(rejected_total))
    finished = clock.now()
    return ScrapeStatus(
        snapshot=snapshot,
        cycles=previous.cycles + 1,
        succeeded=True,
        duration_seconds=_seconds(started, finished),
        last_success_at=finished,
        error=None,
        rejected_total=dict(rejected_total),
        accepted_head=head,
    )


def failed(previous: ScrapeStatus, *, started: datetime, finished: datetime, error: str) -> ScrapeStatus:
    """`previous` with a failed cycle recorded: its snapshot and last success stay."""
    return attrs.evolve(
        previous,
        cycles=previous.cycles + 1,
        succeeded=False,
        duration_seconds=_seconds(started, finished),
        error=error,
        suspicion=None,
    )


def _weigh_head(chain: Chain, network: NetworkConfig, accepted: BlockRef | None) -> tuple[BlockRef, bool]:
    """The node's head, and whether it descends from `accepted`; `_Suspect` for another chain id or a
    head older than `accepted`."""
    reading = chain.read_head(None if accepted is None else accepted.number)
    if reading.chain_id != network.chain_id:
        raise _Suspect(
            Suspicion.WRONG_CHAIN,
            f"the node now serves chain id {reading.chain_id}, not {network.chain_id}: "
            "nothing from it is kept",
        )
    head, then = reading.head, reading.ancestor
    behind = head_suspicion(accepted, head, then)
    if behind is not None:
        raise _Suspect(Suspicion.HEAD_BEHIND, behind + ": nothing from it is kept")
    return head, descends(accepted, then)


def _weigh_evidence(
    chain: Chain, config: ScraperConfig, head: BlockRef, trusted: bool, snapshot: Snapshot
) -> None:
    """`_Suspect` when the provider is gone, or when reads not descending from the accepted head (or
    torn by a reorg during the cycle) would set an attester back."""
    if chain.provider_by_id(config.staking_provider_id) is None:
        raise _Suspect(
            Suspicion.PROVIDER_MISSING,
            f"the node knows no staking provider {config.staking_provider_id}: another chain, or a reorg "
            "before its registration? nothing from it is kept",
        )
    still = chain.block(head.number)
    if still is None:
        raise _Suspect(Suspicion.HEAD_BEHIND, f"the node lost {head} during the cycle: nothing is kept")
    if trusted and still.hash == head.hash:
        return
    setbacks = [c for c in snapshot.changes if is_setback(c.previous, c.state)]
    if setbacks:
        first = setbacks[0]
        raise _Suspect(
            Suspicion.REORG,
            f"the chain no longer holds the head last accepted (a reorg, or another chain with the same "
            f"id), and it would set {len(setbacks)} attester(s) back (e.g. {first.attester}: "
            f"{first.previous.value} -> {first.state.value}): nothing from it is kept",
        )


def _observe(config: ScraperConfig, chain: Chain, min_wei_per_attester: Wei, now: datetime) -> Snapshot:
    attesters = [a.address for a in config.attesters]
    loads = publisher_loads(config)
    # Lifecycle order (provider queue, entry queue, rollup): an attester that moves on between two reads
    # is seen in the place it moved to as well, never in neither.
    provider_queue = chain.provider_queue(config.staking_provider_id)
    entry_queue = chain.entry_queue_state()
    # A partial answer must fail the cycle: a missing view would otherwise read as "not on chain".
    views = answered(attesters, chain.attester_views(attesters), "status for {} attesters")
    balances = answered(list(loads), chain.balances(list(loads)), "balance for {} publishers")
    return summarise(
        config,
        provider_queue=provider_queue,
        entry_queue=entry_queue,
        views=views,
        balances=balances,
        min_wei_per_attester=min_wei_per_attester,
        now=now,
    )


def summarise(
    config: ScraperConfig,
    *,
    provider_queue: Sequence[KeyStore],
    entry_queue: EntryQueueState,
    views: Mapping[Address, AttesterView],
    balances: Mapping[Address, Wei],
    min_wei_per_attester: Wei,
    now: datetime,
) -> Snapshot:
    """The snapshot of one cycle's reads; every attester has a view and every publisher a balance."""
    moves = _moves(config, provider_queue, entry_queue, views)
    states = moves.states
    counts = dict.fromkeys(AttesterState, 0)
    counts.update(Counter(states.values()))
    waiting = {a for a, state in states.items() if state is AttesterState.IN_STAKING_QUEUE}
    queued = queued_attesters(entry_queue.entries, entry_queue.schedule(), waiting)
    # An attester that exited in this cycle needs no funds from this cycle on.
    assumed = assumed_publisher_loads(config, states)
    loads = assumed.loads
    return Snapshot(
        taken_at=now,
        states=states,
        counts=counts,
        missing_coinbase=tuple(moves.missing),
        missing_coinbase_urgent=tuple(moves.urgent),
        balances={p: balances[p] for p in loads},
        required_topups={
            p: required_top_up(load, balances[p], min_wei_per_attester) for p, load in loads.items()
        },
        provider_queue_length=len(provider_queue),
        entry_queue_length=len(entry_queue.entries),
        flushes=entry_queue.flushes,
        queued=queued,
        next_missing_coinbase_eta=earliest_eta(queued, moves.missing),
        changes=tuple(moves.changes),
        rejected=tuple(moves.rejected),
        even_split=assumed.even_split,
    )


def _seconds(started: datetime, finished: datetime) -> float:
    return max(0.0, (finished - started).total_seconds())


@attrs.define
class _Moves:
    """Where each attester went in one cycle, and which of them lack a coinbase they need by now."""

    states: dict[Address, AttesterState] = attrs.Factory(dict)
    changes: list[StateChange] = attrs.Factory(list)
    rejected: list[RejectedTransition] = attrs.Factory(list)
    missing: list[Address] = attrs.Factory(list)
    urgent: list[Address] = attrs.Factory(list)


def _moves(
    config: ScraperConfig,
    provider_queue: Sequence[KeyStore],
    entry_queue: EntryQueueState,
    views: Mapping[Address, AttesterView],
) -> _Moves:
    in_provider_queue = {k.attester for k in provider_queue}
    in_entry_queue = {d.attester for d in entry_queue.entries}
    moves = _Moves()
    for attester in config.attesters:
        address = attester.address
        if address in moves.states:
            continue  # a hand-edited file may repeat an attester: it is one attester all the same
        stored = attester.last_seen_state or AttesterState.NEW
        observation = Observation(
            in_provider_queue=address in in_provider_queue,
            in_entry_queue=address in in_entry_queue,
            status=views[address].status,
        )
        transition = next_state(stored, observation)
        moves.states[address] = transition.state
        if transition.changed:
            moves.changes.append(StateChange(address, stored, transition.state))
        if transition.rejected:
            moves.rejected.append(RejectedTransition(address, transition.state, transition.position))
        alert = coinbase_alert(transition.state, attester.coinbase)
        if alert is CoinbaseAlert.MISSING:
            moves.missing.append(address)
        elif alert is CoinbaseAlert.URGENT:
            moves.urgent.append(address)
    return moves
