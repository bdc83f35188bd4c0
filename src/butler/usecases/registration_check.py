"""The check that every flow adding keys runs first: none of them may already be on chain."""

from __future__ import annotations

from collections.abc import Sequence

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.known_attesters import already_known
from butler.ports.chain import Chain


def ensure_not_on_chain(chain: Chain, provider_id: int, attesters: Sequence[Address]) -> None:
    """Raise CheckFailed listing every attester already in a queue or known to the rollup."""
    known = already_known(
        attesters,
        provider_queue=chain.provider_queue(provider_id),
        entry_queue=chain.entry_queue(),
        views=chain.attester_views(attesters),
    )
    if known:
        raise CheckFailed(
            *(f"attester {address} is already on chain: {where}" for address, where in known.items())
        )
