"""Progress on stderr: shown for large batches from the start, and for small ones once they turn slow."""

from __future__ import annotations

import pytest

from butler.entrypoints.console import ProgressLine


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_small_quick_batch_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = ProgressLine("derived", clock=clock)
    for done in range(1, 11):
        clock.now += 0.1
        progress(done, 10)
    assert capsys.readouterr().err == ""


def test_a_small_batch_that_turns_slow_shows_progress_and_its_end(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = ProgressLine("scanned blocks", min_total=50_000, clock=clock)
    for done in range(1, 6):
        clock.now += 0.9  # a slow node: 0.9 s per range
        progress(done * 100, 500)
    assert capsys.readouterr().err.splitlines() == [
        "scanned blocks 300/500 (60%)",  # 2.7 s in
        "scanned blocks 500/500 (100%)",  # 400 came only 0.9 s after the line before
    ]


def test_a_large_batch_shows_progress_from_the_start(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = ProgressLine("derived", clock=clock)
    for done in range(1, 1001):
        clock.now += 0.01
        progress(done, 1000)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "derived 100/1,000 (10%)" and lines[-1] == "derived 1,000/1,000 (100%)"
    assert len(lines) == 10
