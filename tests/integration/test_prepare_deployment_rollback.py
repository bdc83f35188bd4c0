"""prepare-deployment over the real files of a folder when a write fails after every check passed: nothing
of the set stays, and a file another process puts in the way is never replaced.

The chain is the fake one (only the writes matter here). "Another process" acts after the checks, just
before the real adapter writes the set."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from butler.adapters.files.deployment_writes import LocalDeploymentWrites
from butler.adapters.files.json_documents import local_scraper_config_files
from butler.adapters.files.key_files import LocalKeyFiles
from butler.domain.address import Address
from butler.domain.errors import ButlerError, CheckFailed
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scraper_config import ScraperConfig
from butler.ports.chain_fake import FakeChain
from butler.ports.clock_fake import FixedClock
from butler.usecases.prepare_deployment import (
    DeploymentRequest,
    DeploymentResult,
    default_output,
    prepare_deployment,
)
from tests.unit.deployment_values import devnet_network

PHASE2 = "key-flow/after_phase2/on-dev-machine"
PROD = "prod-testnet-keyfile.json"
NEW = "new-public-keys.json"
PUBS = "testnet_available_publisher_addresses.json"


class InterferedWrites(LocalDeploymentWrites):
    """The real adapter; `interfere` runs after the checks, just before the set is written."""

    def __init__(self, interfere: Callable[[], None]) -> None:
        self._interfere = interfere

    def write_set(
        self, keyfiles: Sequence[tuple[Path, ProductionKeyfile]], scraper_config: Path, config: ScraperConfig
    ) -> None:
        self._interfere()
        super().write_set(keyfiles, scraper_config, config)


@pytest.fixture
def folder(tmp_path: Path, reference_dir: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name in (PROD, NEW, PUBS):
        shutil.copy(reference_dir / PHASE2 / name, work / name)
    return work


def run(
    folder: Path, scraper: Path, *, ha_count: int | None = None, writes: LocalDeploymentWrites | None = None
) -> DeploymentResult:
    chain = FakeChain(chain_id=31337)
    provider_id = chain.add_provider(Address.from_int(0xAD))
    for publisher in json.loads((folder / PUBS).read_text()):
        chain.set_balance(Address.parse(publisher), 10**18)
    network = devnet_network(provider_id)
    request = DeploymentRequest(
        production=folder / PROD,
        new_public_keys=folder / NEW,
        publishers=folder / PUBS,
        scraper_config=scraper,
        output=default_output(folder / PROD),
        ha_count=ha_count,
    )
    return prepare_deployment(
        request,
        network=network,
        files=LocalKeyFiles(),
        chain=chain,
        scraper_configs=local_scraper_config_files(),
        writes=writes if writes is not None else LocalDeploymentWrites(),
        clock=FixedClock(),
    )


def state(folder: Path) -> dict[str, bytes | None]:
    """Every entry of `folder`, hidden ones included: a file's bytes, None for a folder."""
    return {p.name: None if p.is_dir() else p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_folder_appearing_at_the_second_keyfile_after_the_checks_is_left_alone_and_nothing_is_written(
    folder: Path, tmp_path: Path
) -> None:
    scraper = tmp_path / "data" / "devnet-scrape-config.json"
    run(folder, scraper)  # a first deployment: prod.json.new and the scraper config
    before = state(folder), scraper.read_bytes()
    second = folder / f"B_{PROD}.new"

    with pytest.raises(CheckFailed) as failed:
        run(folder, scraper, ha_count=3, writes=InterferedWrites(second.mkdir))

    assert list(map(str, failed.value.problems)) == [
        f"{second}: already exists; creating a keyfile never replaces a file",
        f"{second} appeared after the checks; run prepare-deployment again: it picks the next free name",
        "nothing was written",
    ]
    assert (state(folder), scraper.read_bytes()) == ({**before[0], second.name: None}, before[1])
    assert not any(second.iterdir())

    written = run(folder, scraper, ha_count=3)

    assert [w.path.name for w in written.keyfiles] == [f"{name}_{PROD}.new2" for name in "ABC"]


def test_a_scraper_config_that_fails_to_write_after_the_checks_takes_every_keyfile_back(
    folder: Path, tmp_path: Path
) -> None:
    scraper = tmp_path / "data" / "devnet-scrape-config.json"
    before = state(folder)

    def block_the_scraper_config() -> None:
        (scraper / "in-the-way").mkdir(parents=True)

    with pytest.raises(ButlerError) as failed:
        run(folder, scraper, ha_count=3, writes=InterferedWrites(block_the_scraper_config))

    assert list(map(str, failed.value.problems)) == [
        f"{scraper}: cannot write: Is a directory",
        "nothing was written",
    ]
    assert state(folder) == before
    assert state(scraper.parent) == {scraper.name: None}
    assert state(scraper) == {"in-the-way": None}
