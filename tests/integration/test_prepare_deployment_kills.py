"""prepare-deployment -H 3 stopped at random moments by SIGKILL, SIGTERM or Ctrl-C: every time the whole
set or none of it, and a rerun that succeeds cleanly (see kill_harness for the checks of a round).

A few dozen rounds on a small fleet keep this quick; bench/bench_deployment_kills.py runs the same rounds
at 10,000 validators. The seed is printed on failure, so a failing round can be replayed."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.kill_harness import Fleet, make_fleet, one_round, summary, timing
from tests.integration.stub_node import StubNode, running_stub_node

ROUNDS = int(os.environ.get("BUTLER_KILL_ROUNDS", "24"))


@pytest.fixture(scope="module")
def node() -> Iterator[StubNode]:
    with running_stub_node() as running:
        yield running


def test_every_stop_leaves_all_or_nothing_and_a_rerun_succeeds(node: StubNode, tmp_path: Path) -> None:
    fleet: Fleet = make_fleet(tmp_path / "inputs", node, validators=300, publishers=30)
    times = timing(fleet, tmp_path)
    print(f"one uninterrupted run: {times.run:.2f} s, of which writing {times.writing:.3f} s")
    seed = random.randrange(2**32)
    rng = random.Random(seed)

    rounds = [one_round(fleet, tmp_path, f"round-{i}", rng, times) for i in range(ROUNDS)]

    print(summary(rounds))
    failing = [(i, r) for i, r in enumerate(rounds) if r.problems]
    assert not failing, f"seed {seed}; {summary(rounds)}:\n" + "\n".join(
        f"round {i} ({r.stop.name} after {r.after:.3f} s): {'; '.join(r.problems)}" for i, r in failing
    )
