"""`fresh_devnet` (module): a devnet of its own, whose rollup has never flushed (no validator, not
bootstrapped) and whose clock is not behind the wall clock, for tests that depend on either."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from butler.devnet import clock
from butler.devnet.runner import RunningDevnet, start_devnet


@pytest.fixture(scope="module")
def fresh_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    folder = tmp_path_factory.mktemp("fresh-devnet")
    with start_devnet(config_out=folder / "devnet.toml") as running:
        # The saved deployment may be older than today: ETAs are compared with the wall clock.
        behind = int(time.time()) - clock.latest_timestamp(running.chain)
        if behind > clock.L1_SLOT_S:
            clock.advance_to(running.chain, int(time.time()))
        yield running
