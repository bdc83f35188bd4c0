"""`fresh_devnet` (module): a devnet of its own, whose rollup has never flushed (no validator, not
bootstrapped) and whose clock starts from now, for tests that depend on either."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from butler.devnet.runner import RunningDevnet, start_devnet


@pytest.fixture(scope="module")
def fresh_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDevnet]:
    folder = tmp_path_factory.mktemp("fresh-devnet")
    with start_devnet(config_out=folder / "devnet.toml") as running:
        yield running
