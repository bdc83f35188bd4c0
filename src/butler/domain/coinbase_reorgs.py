"""A coinbase mapping after a reorganisation: where the chain stopped agreeing with the mapping's
checkpoints, and the mapping as it was below that block."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from butler.domain.coinbases import Checkpoint, CoinbaseMapping


def reorg_point(checkpoints: Sequence[Checkpoint], hashes: Mapping[int, str]) -> int | None:
    """None when every checkpoint's block still has its hash in `hashes` (the chain now); otherwise the
    newest checkpoint block below the first that differs or is gone, which the chain still agrees with
    (-1: none is), so that everything after it must be scanned again."""
    ordered = sorted(checkpoints, key=lambda c: c.block)
    for index, checkpoint in enumerate(ordered):
        if hashes.get(checkpoint.block) != checkpoint.hash:
            return ordered[index - 1].block if index else -1
    return None


def rolled_back(mapping: CoinbaseMapping, last_good: int) -> CoinbaseMapping | None:
    """`mapping` as it was when it covered blocks up to `last_good`: later coinbases and checkpoints
    dropped, its attesters staked more than once looked at again. None when it covered nothing then."""
    if last_good < mapping.first_block:
        return None
    return attrs.evolve(
        mapping,
        last_scanned_block=min(mapping.last_scanned_block, last_good),
        coinbases={a: r for a, r in mapping.coinbases.items() if r.block <= last_good},
        checkpoints=tuple(c for c in mapping.checkpoints if c.block <= last_good),
    )
