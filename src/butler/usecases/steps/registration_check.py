"""The check that every flow adding keys runs first: none of them may already be on chain, or already
proposed to the provider's Safe in a transaction still waiting to be executed."""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.known_attesters import already_known
from butler.domain.pending_registrations import UndecodableProposal, proposed_among, proposed_attesters
from butler.ports.chain import Chain
from butler.ports.multisig import SafeQueue
from butler.usecases.steps.chain_answers import answered


def known_registrations(
    chain: Chain,
    provider_id: int,
    attesters: Sequence[Address],
    *,
    pending: SafeQueue | None = None,
    registry: Address | None = None,
) -> dict[Address, str]:
    """Each of `attesters` already in a queue, known to the rollup, or (with `pending` and `registry`) in a
    pending Safe transaction's `addKeysToProvider` call, described, in input order.

    A lookup that fails, or answers for fewer attesters than asked, raises: the check never passes on
    missing information.
    """
    # Read in lifecycle order (pending proposals, provider queue, entry queue, rollup): an attester that
    # moves on between two reads is then seen in the place it moved to, never missed.
    proposed: dict[Address, str] = {}
    if pending is not None and registry is not None:
        try:
            found = proposed_attesters(pending.pending_transactions(), registry)
        except UndecodableProposal as exc:
            raise CheckFailed(
                f"{exc}; what it would register is unknown: reject it in the Safe, or have it executed first"
            ) from None
        proposed = proposed_among(attesters, found, pending.safe())
    provider_queue = chain.provider_queue(provider_id)
    entry_queue = chain.entry_queue()
    views = answered(attesters, chain.attester_views(attesters), "status for {} attesters")
    on_chain = already_known(attesters, provider_queue=provider_queue, entry_queue=entry_queue, views=views)
    known = {}
    for attester in attesters:
        places = [f"already {on_chain[attester]}"] if attester in on_chain else []
        places += [proposed[attester]] if attester in proposed else []
        if places:
            known[attester] = "; ".join(places)
    return known


def ensure_not_on_chain(
    chain: Chain,
    provider_id: int,
    attesters: Sequence[Address],
    *,
    pending: SafeQueue | None = None,
    registry: Address | None = None,
) -> None:
    """Raise CheckFailed listing every attester `known_registrations` finds."""
    known = known_registrations(chain, provider_id, attesters, pending=pending, registry=registry)
    if known:
        raise CheckFailed(*(f"attester {address}: {where}" for address, where in known.items()))
