"""fund-publishers' summary table: every publisher's balance, target and top-up in ETH."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from butler.domain.wei import format_eth, format_eth_rounded

if TYPE_CHECKING:
    from butler.domain.funding import FundingPlan

TABLE_DECIMALS = 6


def summary(plan: FundingPlan) -> str:
    """A table of every publisher (balance, target, top-up in ETH, decimal points aligned) and a
    closing line with the total."""
    header = ("publisher", "attesters", "balance ETH", "target ETH", "top-up ETH", "")
    amounts = [
        _aligned(column)
        for column in zip(
            *(
                (_eth(p.balance), _eth(p.target), _eth(p.top_up) if p.skipped is None else "-")
                for p in plan.publishers
            ),
            strict=True,
        )
    ] or [[], [], []]
    rows = [
        (p.publisher.checksum, str(p.attesters), *cells, p.skipped.value if p.skipped is not None else "")
        for p, *cells in zip(plan.publishers, *amounts, strict=True)
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i in (0, len(header) - 1) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in (header, *rows)
    ]
    lines.append(
        f"{len(plan.funded)} of {len(plan.publishers)} publishers to fund, {format_eth(plan.total)} ETH in "
        f"total ({format_eth(plan.wei_per_attester)} ETH per attester; top-ups under "
        f"{format_eth(plan.threshold)} ETH skipped)"
    )
    return "\n".join(lines)


def _aligned(cells: Sequence[str]) -> list[str]:
    """Cells padded on the right so that, right-aligned, their decimal points line up."""
    decimals = [len(cell.partition(".")[2]) + 1 if "." in cell else 0 for cell in cells]
    widest = max(decimals, default=0)
    return [cell + " " * (widest - n) for cell, n in zip(cells, decimals, strict=True)]


def _eth(wei: int) -> str:
    """Exact when it has at most TABLE_DECIMALS decimals, else rounded and marked with `~`; the
    transaction itself always carries exact wei."""
    return format_eth_rounded(wei, TABLE_DECIMALS)
