"""Which network, chain, staking registry and provider a file is for, and the one rule that keeps a file
of another from being used or mixed in."""

from __future__ import annotations

from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import CheckFailed

_PARTS = (
    ("network", "network"),
    ("chain_id", "chain"),
    ("staking_registry", "staking registry"),
    ("provider_id", "provider"),
)


@attrs.frozen
class Scope:
    """What a file (or a run) is about. A part left None is one its holder does not record or know (a
    scraper config names no staking registry; a network config may name its provider by its admin only):
    it is not compared."""

    network: str | None = None
    chain_id: int | None = None
    staking_registry: Address | None = None
    provider_id: int | None = None

    def describe(self, parts: tuple[str, ...] | None = None) -> str:
        """`network devnet, chain 31337, ...`: the `parts` named (every known part by default)."""
        return ", ".join(
            f"{label} {getattr(self, name)}"
            for name, label in _PARTS
            if (parts is None or name in parts) and getattr(self, name) is not None
        )


def out_of_scope(kind: str, theirs: Scope, ours: Scope) -> str | None:
    """The one rule: a `kind` (`scraper config`, `coinbase mapping`) of scope `theirs` serves a run of
    scope `ours` only when every part both know is the same. Otherwise, why not, naming those parts."""
    compared = tuple(
        name for name, _ in _PARTS if getattr(theirs, name) is not None and getattr(ours, name) is not None
    )
    if all(getattr(theirs, name) == getattr(ours, name) for name in compared):
        return None
    return f"the {kind} is for {theirs.describe(compared)}; this run is for {ours.describe(compared)}"


def check_scope(path: Path | str, kind: str, theirs: Scope, ours: Scope) -> None:
    """Refuse the `kind` at `path` when it is for another scope than the run's (`out_of_scope`)."""
    problem = out_of_scope(kind, theirs, ours)
    if problem is not None:
        raise CheckFailed(f"{path}: {problem}")


def network_scope(config: NetworkConfig) -> Scope:
    """The scope of a run with the network config `config`."""
    return Scope(config.network, config.chain_id, config.staking_registry, config.provider_id)
