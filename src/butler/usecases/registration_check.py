"""The check that every flow adding keys runs first: none of them may already be on chain."""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.known_attesters import already_known
from butler.ports.chain import Chain
from butler.usecases.chain_answers import answered


def ensure_not_on_chain(chain: Chain, provider_id: int, attesters: Sequence[Address]) -> None:
    """Raise CheckFailed listing every attester already in a queue or known to the rollup.

    A lookup that fails, or answers for fewer attesters than asked, fails the check: it never passes.
    """
    # Read in lifecycle order (provider queue, entry queue, rollup): an attester that moves on between
    # two reads is then seen in the place it moved to, never missed.
    provider_queue = chain.provider_queue(provider_id)
    entry_queue = chain.entry_queue()
    views = answered(attesters, chain.attester_views(attesters), "status for {} attesters")
    known = already_known(attesters, provider_queue=provider_queue, entry_queue=entry_queue, views=views)
    if known:
        raise CheckFailed(*(f"attester {address}: already {where}" for address, where in known.items()))
