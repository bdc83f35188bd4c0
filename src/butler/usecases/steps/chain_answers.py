"""A read over many items must answer for every one: a missing answer would otherwise pass for "not on
chain" or "no balance". The Chain port promises complete answers; this holds every use case to it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from butler.domain.address import Address
from butler.domain.errors import ChainError

T = TypeVar("T")


def answered(asked: Sequence[Address], answers: Mapping[Address, T], what: str) -> Mapping[Address, T]:
    """`answers`, or ChainError when one of `asked` has none. `what` names the answer and the items, as in
    "status for ... attesters"."""
    missing = [item for item in asked if item not in answers]
    if missing:
        raise ChainError(f"the chain gave no {what.format(len(missing))} (first: {missing[0]})")
    return answers
