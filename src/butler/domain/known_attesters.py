"""Where on chain an attester is already known. An attester known anywhere must not be registered again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from butler.domain.address import Address
from butler.domain.onchain import AttesterStatus, AttesterView, DepositArgs, KeyStore


def already_known(
    attesters: Sequence[Address],
    provider_queue: Iterable[KeyStore],
    entry_queue: Iterable[DepositArgs],
    views: Mapping[Address, AttesterView],
) -> dict[Address, str]:
    """Each attester that is already on chain, with a short description of where, in input order."""
    in_provider_queue = {k.attester for k in provider_queue}
    in_entry_queue = {d.attester for d in entry_queue}
    found: dict[Address, str] = {}
    for attester in attesters:
        places = []
        if attester in in_provider_queue:
            places.append("in the provider queue")
        if attester in in_entry_queue:
            places.append("in the rollup entry queue")
        view = views.get(attester)
        if view is not None and view.status is not AttesterStatus.NONE:
            places.append(f"known to the rollup with status {view.status.name}")
        if places:
            found[attester] = ", ".join(places)
    return found
