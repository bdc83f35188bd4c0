"""Progress on stderr: shown for large batches from the start, and for small ones once they turn slow."""

from __future__ import annotations

import pytest

from butler.entrypoints.console import ProgressLine


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def feed(progress: ProgressLine, clock: Clock, steps: range, total: int, seconds: float) -> None:
    """Report each of `steps` done out of `total`, `seconds` apart."""
    for done in steps:
        clock.now += seconds
        progress(done, total)


def test_a_small_quick_batch_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    feed(ProgressLine("derived", clock=clock), clock, range(1, 11), 10, 0.1)
    assert capsys.readouterr().err == ""


def test_a_small_batch_that_turns_slow_shows_progress_and_its_end(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    # a slow node: 0.9 s per range of 100 blocks
    feed(ProgressLine("scanned blocks", min_total=50_000, clock=clock), clock, range(100, 501, 100), 500, 0.9)
    assert capsys.readouterr().err.splitlines() == [
        "scanned blocks 300/500 (60%)",  # 2.7 s in
        "scanned blocks 500/500 (100%)",  # 400 came only 0.9 s after the line before
    ]


def test_a_large_batch_shows_progress_from_the_start(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    feed(ProgressLine("derived", clock=clock), clock, range(1, 1001), 1000, 0.01)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "derived 100/1,000 (10%)" and lines[-1] == "derived 1,000/1,000 (100%)"
    assert len(lines) == 10
