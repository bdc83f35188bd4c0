"""One contract for the deployment-writes port (prepare-deployment's keyfiles and scraper config, all or
nothing), run against the in-memory fake and the local file-set adapter."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from butler.adapters.files.deployment_writes import LocalDeploymentWrites
from butler.adapters.files.json_documents import local_scraper_config_files
from butler.adapters.files.key_files import LocalKeyFiles
from butler.domain.errors import ButlerError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scraper_config import ScraperConfig
from butler.ports.deployment_writes import NOTHING_WRITTEN, DeploymentWrites, KeyfileTaken
from butler.ports.deployment_writes_fake import FakeDeploymentWrites
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles

PRODUCTION = "key-flow/after_phase3/on-dev-machine/prod-testnet-keyfile.json.new"
CONFIG = ScraperConfig(
    version=1,
    network="devnet",
    chain_id=31337,
    staking_provider_id=1,
    attesters=(),
    publishers=(),
    last_updated="2026-01-01T00:00:00Z",
)


@attrs.define
class World:
    writes: DeploymentWrites
    read_keyfile: Callable[[Path], ProductionKeyfile]
    read_config: Callable[[Path], ScraperConfig]
    exists: Callable[[Path], bool]
    occupy: Callable[[Path], None]


@pytest.fixture(params=["fake", "local"])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "local":
        return World(
            LocalDeploymentWrites(),
            LocalKeyFiles().read_production_keyfile,
            local_scraper_config_files().read,
            os.path.lexists,
            lambda path: path.write_text("someone else's"),
        )
    files, configs = FakeKeyFiles(), FakeJsonDocuments()

    def occupy(path: Path) -> None:
        files.files[path] = "someone else's"

    return World(
        FakeDeploymentWrites(files, configs),
        files.read_production_keyfile,
        configs.read,
        files.exists,
        occupy,
    )


@pytest.fixture
def keyfile(reference_dir: Path) -> ProductionKeyfile:
    return LocalKeyFiles().read_production_keyfile(reference_dir / PRODUCTION)


def test_the_whole_set_is_written(world: World, keyfile: ProductionKeyfile, tmp_path: Path) -> None:
    targets = [tmp_path / f"{name}_prod.json.new" for name in "ABC"]
    scraper = tmp_path / "data" / "devnet-scrape-config.json"

    world.writes.write_set([(t, keyfile) for t in targets], scraper, CONFIG)

    assert [world.read_keyfile(t) for t in targets] == [keyfile] * 3
    assert world.read_config(scraper) == CONFIG
    assert world.writes.recover(tmp_path, scraper) == []


def test_a_name_taken_before_the_writes_leaves_nothing_of_the_set(
    world: World, keyfile: ProductionKeyfile, tmp_path: Path
) -> None:
    targets = [tmp_path / f"{name}_prod.json.new" for name in "ABC"]
    scraper = tmp_path / "devnet-scrape-config.json"
    world.occupy(targets[2])

    with pytest.raises(KeyfileTaken) as taken:
        world.writes.write_set([(t, keyfile) for t in targets], scraper, CONFIG)

    assert taken.value.path == targets[2]
    assert (
        taken.value.problems[0] == f"{targets[2]}: already exists; creating a keyfile never replaces a file"
    )
    assert taken.value.problems[-1].startswith(NOTHING_WRITTEN)
    assert [world.exists(t) for t in targets] == [False, False, True]
    assert not world.exists(scraper)


def test_recovering_a_folder_no_run_was_interrupted_in_does_nothing(world: World, tmp_path: Path) -> None:
    assert world.writes.recover(tmp_path, tmp_path / "devnet-scrape-config.json") == []


def test_a_failed_set_is_an_error_naming_the_file(
    world: World, keyfile: ProductionKeyfile, tmp_path: Path
) -> None:
    scraper = tmp_path / "devnet-scrape-config.json"
    if isinstance(world.writes, FakeDeploymentWrites):
        world.writes.scraper_configs = FakeJsonDocuments(unwritable=[scraper])
    else:
        scraper.mkdir()

    with pytest.raises(ButlerError) as failed:
        world.writes.write_set([(tmp_path / "prod.json.new", keyfile)], scraper, CONFIG)

    assert failed.value.problems[0].startswith(f"{scraper}: cannot write: ")
    assert failed.value.problems[-1].startswith(NOTHING_WRITTEN)
    assert not world.exists(tmp_path / "prod.json.new")
