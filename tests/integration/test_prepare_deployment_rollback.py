"""prepare-deployment over the real files of a folder when a write fails after every check passed: the
keyfiles it created are removed again, and a file another process puts in the way is never replaced.

The chain is the fake one (only the writes matter here). "Another process" acts at a chosen moment through
the real key-files adapter, right after it created its n-th keyfile."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from butler.adapters.local_key_files import LocalKeyFiles
from butler.adapters.local_scraper_config_files import LocalScraperConfigFiles
from butler.domain.address import Address
from butler.domain.errors import ButlerError, CheckFailed
from butler.domain.keyfiles import ProductionKeyfile
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


class InterferedKeyFiles(LocalKeyFiles):
    """The real adapter; `interfere` runs once, right after the `after`-th keyfile is created."""

    def __init__(self, after: int, interfere: Callable[[], None]) -> None:
        self._countdown = after
        self._interfere = interfere

    def create_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None:
        super().create_production_keyfile(path, keyfile)
        self._countdown -= 1
        if self._countdown == 0:
            self._interfere()


@pytest.fixture
def folder(tmp_path: Path, reference_dir: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for name in (PROD, NEW, PUBS):
        shutil.copy(reference_dir / PHASE2 / name, work / name)
    return work


def run(
    folder: Path, files: LocalKeyFiles, scraper: Path, *, ha_count: int | None = None
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
        files=files,
        chain=chain,
        scraper_configs=LocalScraperConfigFiles(),
        clock=FixedClock(),
    )


def state(folder: Path) -> dict[str, bytes | None]:
    """Every entry of `folder`, hidden ones included: a file's bytes, None for a folder."""
    return {p.name: None if p.is_dir() else p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_folder_appearing_at_the_second_keyfile_after_the_checks_is_left_alone_and_nothing_is_written(
    folder: Path, tmp_path: Path
) -> None:
    scraper = tmp_path / "data" / "devnet-scrape-config.json"
    run(folder, LocalKeyFiles(), scraper)  # a first deployment: prod.json.new and the scraper config
    before = state(folder), scraper.read_bytes()
    first, second = folder / f"A_{PROD}.new", folder / f"B_{PROD}.new"

    with pytest.raises(CheckFailed) as failed:
        run(folder, InterferedKeyFiles(1, second.mkdir), scraper, ha_count=3)

    assert list(failed.value.problems) == [
        f"{second}: already exists; creating a keyfile never replaces a file",
        f"{second} appeared after the checks; run prepare-deployment again: it picks the next free name",
        f"nothing was written: the keyfile(s) already created were removed again ({first})",
    ]
    assert (state(folder), scraper.read_bytes()) == ({**before[0], second.name: None}, before[1])
    assert not any(second.iterdir())

    written = run(folder, LocalKeyFiles(), scraper, ha_count=3)

    assert [w.path.name for w in written.keyfiles] == [f"{name}_{PROD}.new2" for name in "ABC"]


def test_a_scraper_config_that_fails_to_write_after_the_checks_takes_every_keyfile_back(
    folder: Path, tmp_path: Path
) -> None:
    scraper = tmp_path / "data" / "devnet-scrape-config.json"
    before = state(folder)

    def block_the_scraper_config() -> None:
        scraper.mkdir(parents=True)

    with pytest.raises(ButlerError) as failed:
        run(folder, InterferedKeyFiles(3, block_the_scraper_config), scraper, ha_count=3)

    created = ", ".join(str(folder / f"{name}_{PROD}.new") for name in "ABC")
    assert list(failed.value.problems) == [
        f"{scraper}: cannot write: Is a directory",
        f"nothing was written: the keyfile(s) already created were removed again ({created})",
    ]
    assert state(folder) == before
    assert state(scraper.parent) == {scraper.name: None}
    assert not any(scraper.iterdir())
