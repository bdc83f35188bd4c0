"""Names of the files a run writes beside others: never replacing one, a high-availability set sharing
one suffix (SPEC §5)."""

from __future__ import annotations

from collections.abc import Container, Sequence

from butler.domain.errors import CheckFailed, Problem

MAX_OUTPUT_SUFFIX = 1000


def output_suffix(n: int) -> str:
    """`.new`, then `.new2`, `.new3`, ..."""
    return ".new" if n == 1 else f".new{n}"


def output_names(base: str, set_names: Sequence[str | None], suffix: str = "") -> tuple[str, ...]:
    """`<base><suffix>` for an unnamed set, `<set>_<base><suffix>` for a named one (SPEC §5)."""
    return tuple(base + suffix if name is None else f"{name}_{base}{suffix}" for name in set_names)


def free_output_names(base: str, set_names: Sequence[str | None], taken: Container[str]) -> tuple[str, ...]:
    """The first suffix under which no file of the set is taken: an existing output is never replaced,
    and a high-availability set always shares one suffix."""
    return free_suffixed_names(output_names(base, set_names), taken, base)


def free_suffixed_names(names: Sequence[str], taken: Container[str], label: str) -> tuple[str, ...]:
    """`names` with the first suffix (`.new`, `.new2`, ...) under which none of them is taken, the same
    for all; `label` names them in the error when every suffix is taken."""
    for n in range(1, MAX_OUTPUT_SUFFIX + 1):
        suffixed = tuple(name + output_suffix(n) for name in names)
        if not any(name in taken for name in suffixed):
            return suffixed
    raise CheckFailed(
        Problem(
            "{label}: every output name from {first} to {last} is taken; "
            "move old outputs away or choose another place with {output}",
            label=label,
            first=output_suffix(1),
            last=output_suffix(MAX_OUTPUT_SUFFIX),
        )
    )
