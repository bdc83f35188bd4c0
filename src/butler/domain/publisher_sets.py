"""The available publishers file (SPEC §3): one list of publishers, or one named set per HA server.

Malformed addresses are the reader's business; what is checked here is what only makes sense for the
file as a whole: empty sets, a publisher listed twice, a publisher shared by two servers. And which
set each output keyfile gets (`publisher_groups`).
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Sequence
from typing import TypeVar

import attrs

from butler.domain.address import Address
from butler.domain.errors import Problem

T = TypeVar("T")

MAX_SET_NAME = 32
_SET_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_SET_NAME - 1}}}")
SET_NAME_RULE = f"letters, digits, '-' and '_', starting with a letter or digit, at most {MAX_SET_NAME}"
HA_SET_NAMES = tuple(string.ascii_uppercase)
"""Names given to the high-availability groups of publishers, in order: A, B, C, ..."""


class SetNameError(ValueError):
    """A set name that could not prefix a file name. The message never repeats the name."""


def parse_set_name(text: str) -> str:
    # The name becomes part of a file name beside the production keyfile: nothing that could leave the
    # folder or hide the file.
    if not _SET_NAME.fullmatch(text):
        raise SetNameError(f"a publisher set name must be {SET_NAME_RULE} characters")
    return text


@attrs.frozen
class PublisherSet:
    """Publishers for one output keyfile. `name` is None for the plain-list form of the file."""

    name: str | None
    publishers: tuple[Address, ...]

    def label(self, index: int) -> str:
        """Where publisher `index` sits in the file, as error messages name it."""
        return f"{self.name if self.name is not None else 'publishers'}[{index}]"


@attrs.frozen
class PublisherSets:
    """The whole file: a single unnamed set (JSON array) or named sets in file order (JSON object)."""

    sets: tuple[PublisherSet, ...]

    @classmethod
    def single(cls, publishers: tuple[Address, ...]) -> PublisherSets:
        return cls((PublisherSet(None, publishers),))

    @property
    def named(self) -> bool:
        return any(s.name is not None for s in self.sets)

    @property
    def publishers(self) -> tuple[Address, ...]:
        return tuple(p for s in self.sets for p in s.publishers)


def publisher_set_problems(sets: PublisherSets) -> list[str]:
    """One line per problem: no publishers at all, an empty set, names that differ only in case (their
    files would clash on some filesystems), the zero address, and every repeated publisher with both
    places it appears."""
    if not sets.sets:
        return ["no publisher sets: the object is empty"]
    problems: list[str] = []
    names: dict[str, str] = {}
    for publisher_set in sets.sets:
        if publisher_set.name is None:
            continue
        folded = publisher_set.name.casefold()
        if folded in names:
            problems.append(
                f"sets {names[folded]} and {publisher_set.name}: names differ only in case; "
                "their keyfiles would have the same name on some filesystems"
            )
        names.setdefault(folded, publisher_set.name)
    first_seen: dict[Address, tuple[int, int]] = {}
    for set_index, publisher_set in enumerate(sets.sets):
        if not publisher_set.publishers:
            what = "the list" if publisher_set.name is None else f"set {publisher_set.name}"
            problems.append(f"{what} holds no publisher")
        for index, publisher in enumerate(publisher_set.publishers):
            if publisher.is_zero:
                problems.append(f"{publisher_set.label(index)}: the zero address cannot publish")
                continue
            seen = first_seen.get(publisher)
            if seen is None:
                first_seen[publisher] = (set_index, index)
                continue
            where = sets.sets[seen[0]]
            at = seen[1]
            shared = (
                ""
                if seen[0] == set_index
                else f"; sets {where.name} and {publisher_set.name} must be disjoint"
            )
            problems.append(
                f"{publisher_set.label(index)}: publisher {publisher} is repeated "
                f"(also {where.label(at)}){shared}"
            )
    return problems


def contiguous_groups(items: Sequence[T], count: int) -> list[tuple[T, ...]]:
    """`count` contiguous groups of floor(m/count) items, the last one taking the remainder (SPEC §5)."""
    if not 1 <= count <= len(items):
        raise ValueError(f"cannot cut {len(items)} items into {count} non-empty groups")
    size = len(items) // count
    cuts = [j * size for j in range(count)] + [len(items)]
    return [tuple(items[start:end]) for start, end in itertools.pairwise(cuts)]


def publisher_groups(
    sets: PublisherSets, ha_count: int | None, publishers_file: str
) -> tuple[tuple[PublisherSet, ...], list[str | Problem]]:
    """The publisher set of each output keyfile, and the problems that prevent them.

    A plain list gives one unnamed set, or K sets named A, B, ... with `ha_count` K. The named form gives
    its own sets; a K that disagrees with their number is a problem, not silently ignored.
    """
    if ha_count is not None and not 1 <= ha_count <= len(HA_SET_NAMES):
        raise ValueError(f"a high-availability count is between 1 and {len(HA_SET_NAMES)}")
    if sets.named:
        if ha_count is not None and ha_count != len(sets.sets):
            names = ", ".join(str(s.name) for s in sets.sets)
            return (), [
                Problem(
                    "{file}: names {count} publisher set(s) ({names}) but {high_availability_count} is {k}",
                    file=publishers_file,
                    count=len(sets.sets),
                    names=names,
                    k=ha_count,
                )
            ]
        return sets.sets, []
    publishers = sets.publishers
    if ha_count is None:
        return (PublisherSet(None, publishers),), []
    if len(publishers) < ha_count:
        return (), [
            f"{publishers_file}: {len(publishers)} publisher(s) cannot be split into {ha_count} "
            "high-availability sets: every server needs at least one publisher of its own"
        ]
    groups = contiguous_groups(publishers, ha_count)
    return tuple(PublisherSet(name, group) for name, group in zip(HA_SET_NAMES, groups, strict=False)), []
