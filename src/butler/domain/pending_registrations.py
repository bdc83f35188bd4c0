"""Attesters already proposed for registration: `addKeysToProvider` calls in pending Safe transactions.

A pending proposal executes later, so an attester in one is as good as queued: proposing it again puts it in
the provider queue twice, and the second deposit fails in the GSE (SPEC §9, §11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from butler.domain.address import Address
from butler.domain.safe import MULTISEND_SELECTOR, Operation, SafeCall, SafeTransaction, multisend_calls
from butler.domain.staking_registry_calls import ADD_KEYS_SELECTOR, decode_add_keys_call_data


class UndecodableProposal(ValueError):
    """A pending transaction calls `addKeysToProvider`, or batches calls, with unreadable calldata."""


def _add_keys_calls(call: SafeCall, registry: Address) -> Iterable[SafeCall]:
    if call.operation is Operation.DELEGATE_CALL and call.data[:4] == MULTISEND_SELECTOR:
        for inner in multisend_calls(call.data):
            yield from _add_keys_calls(inner, registry)
    elif call.operation is Operation.CALL and call.to == registry and call.data[:4] == ADD_KEYS_SELECTOR:
        yield call


def proposed_attesters(
    pending: Iterable[SafeTransaction], registry: Address
) -> dict[Address, tuple[int, ...]]:
    """Each attester that a pending transaction adds to a provider of `registry`, with the nonces of every
    transaction that does, ascending. Plain calls and MultiSend batches count alike.

    Raises UndecodableProposal naming the nonce when a transaction aimed at the registry's
    `addKeysToProvider`, or a MultiSend batch, cannot be decoded: what it would register is unknown.
    """
    found: dict[Address, set[int]] = {}
    for tx in pending:
        try:
            calls = list(_add_keys_calls(tx.call, registry))
            decoded = [decode_add_keys_call_data(call.data) for call in calls]
        except ValueError as exc:
            raise UndecodableProposal(f"pending Safe transaction at nonce {tx.nonce}: {exc}") from None
        for _provider, stores in decoded:
            for store in stores:
                found.setdefault(store.attester, set()).add(tx.nonce)
    return {attester: tuple(sorted(nonces)) for attester, nonces in found.items()}


def describe_proposed(nonces: Sequence[int], safe: Address) -> str:
    which = "transaction at nonce" if len(nonces) == 1 else "transactions at nonces"
    return f"already proposed to Safe {safe} in the pending {which} " + ", ".join(str(n) for n in nonces)


def proposed_among(
    attesters: Sequence[Address], proposed: Mapping[Address, tuple[int, ...]], safe: Address
) -> dict[Address, str]:
    """Each of `attesters` that is proposed, described, in input order."""
    return {a: describe_proposed(proposed[a], safe) for a in attesters if a in proposed}
