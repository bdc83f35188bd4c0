"""One contract for the key-files port, run against the in-memory fake and the local JSON adapter."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import attrs
import pytest

from butler.adapters.files.key_files import LocalKeyFiles
from butler.domain.errors import InputError
from butler.domain.keyfiles import ProductionKeyfile, PublicKeysFile
from butler.domain.keys import attester_address
from butler.domain.publisher_sets import PublisherSets
from butler.ports.key_files import KeyfileExists, KeyFiles
from butler.ports.key_files_fake import FakeKeyFiles

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
EXPECTED_ATTESTERS = [
    "0x5FAC75C9bD29CDf5599C74e31A8a88850a573748",
    "0x829B7234A1544C755a9F31Fa4812675F8E8A0BF3",
]


@pytest.fixture(params=["fake", "local"])
def world(request, tmp_path, reference_dir):
    """(port, path of the phase-1 private-keys file as the port sees it)."""
    reference = reference_dir / PHASE1
    target = tmp_path / "new-private-keys.json"
    if request.param == "local":
        shutil.copy(reference, target)
        return LocalKeyFiles(), target
    return FakeKeyFiles({target: LocalKeyFiles().read_private_keys(reference)}), target


def test_reads_the_private_keys_file(world):
    files, path = world
    keys = files.read_private_keys(path)
    assert keys.schema_version == 1
    assert [attester_address(v.attester.eth).checksum for v in keys.validators] == EXPECTED_ATTESTERS


def test_a_missing_file_is_an_input_error_naming_it(world, tmp_path):
    files, _ = world
    missing = tmp_path / "nope.json"
    with pytest.raises(InputError) as failure:
        files.read_private_keys(missing)
    assert failure.value.problems == (f"{missing}: file not found",)


def test_written_files_exist_and_absent_ones_do_not(world, tmp_path):
    files, _ = world
    target = tmp_path / "public.json"
    assert not files.exists(target)
    files.write_public_keys(target, PublicKeysFile(schema_version=1, validators=()))
    assert files.exists(target)


def test_the_available_publishers_written_read_back_in_order(world, tmp_path, reference_dir):
    files, _ = world
    reference = (
        reference_dir / "key-flow/after_phase2/on-dev-machine/testnet_available_publisher_addresses.json"
    )
    publishers = LocalKeyFiles().read_available_publishers(reference).publishers
    target = tmp_path / "publishers-new-private-keys.json"
    files.write_available_publishers(target, publishers[::-1])
    assert files.read_available_publishers(target) == PublisherSets.single(publishers[::-1])


PRODUCTION = "key-flow/after_phase3/on-dev-machine/prod-testnet-keyfile.json.new"


def reference_keyfile(reference_dir: Path) -> ProductionKeyfile:
    return LocalKeyFiles().read_production_keyfile(reference_dir / PRODUCTION)


def stored(files: KeyFiles, path: Path) -> object:
    """What is at `path` as exactly as each world can tell: the bytes on disk, or the fake's value."""
    if isinstance(files, FakeKeyFiles):
        return files.files[path]
    return path.read_bytes()


def names_in(files: KeyFiles, folder: Path) -> list[str]:
    """Every name in `folder`, hidden temporary files included."""
    if isinstance(files, FakeKeyFiles):
        return sorted(p.name for p in files.files if p.parent == folder)
    return sorted(os.listdir(folder))


def test_a_production_keyfile_reads_back_as_written(world, tmp_path, reference_dir):
    files, _ = world
    keyfile = reference_keyfile(reference_dir)
    target = tmp_path / "prod.json.new"
    files.create_production_keyfile(target, keyfile)
    again = files.read_production_keyfile(target)
    assert again == keyfile
    assert again.remote_signer == "https://signer.example.com:8080"
    assert [v.coinbase is None for v in again.validators] == [False, False, True, True, True]


def test_creating_over_an_existing_file_is_refused_and_leaves_it_as_it_was(world, tmp_path, reference_dir):
    files, path = world
    before = stored(files, path), names_in(files, tmp_path)

    with pytest.raises(KeyfileExists) as refused:
        files.create_production_keyfile(path, reference_keyfile(reference_dir))

    assert refused.value.problems == (f"{path}: already exists; creating a keyfile never replaces a file",)
    assert (stored(files, path), names_in(files, tmp_path)) == before
    assert files.read_private_keys(path).schema_version == 1


def test_a_second_create_of_the_same_keyfile_is_refused_too(world, tmp_path, reference_dir):
    files, _ = world
    first = reference_keyfile(reference_dir)
    target = tmp_path / "prod.json.new"
    files.create_production_keyfile(target, first)
    before = stored(files, target)

    with pytest.raises(KeyfileExists):
        files.create_production_keyfile(target, attrs.evolve(first, remote_signer="https://other"))

    assert stored(files, target) == before
    assert files.read_production_keyfile(target) == first


def test_create_then_remove_leaves_the_folder_as_it_was(world, tmp_path, reference_dir):
    files, _ = world
    before = names_in(files, tmp_path)
    target = tmp_path / "prod.json.new"

    files.create_production_keyfile(target, reference_keyfile(reference_dir))
    assert names_in(files, tmp_path) == sorted([*before, target.name])
    files.remove(target)

    assert not files.exists(target)
    assert names_in(files, tmp_path) == before


def test_removing_a_missing_file_is_fine(world, tmp_path):
    files, _ = world
    files.remove(tmp_path / "never-written.json")
    assert not files.exists(tmp_path / "never-written.json")


# The local adapter's bytes: what the nodes read and what the operator diffs.


def test_a_created_keyfile_has_exactly_the_reference_bytes_and_the_usual_mode(tmp_path, reference_dir):
    reference = reference_dir / PRODUCTION
    target = tmp_path / "prod.json.new"

    LocalKeyFiles().create_production_keyfile(target, LocalKeyFiles().read_production_keyfile(reference))

    assert target.read_bytes() == reference.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(tmp_path) == [target.name]


def test_a_folder_in_the_way_is_refused_and_no_temporary_file_stays(tmp_path, reference_dir):
    target = tmp_path / "prod.json.new"
    target.mkdir()

    with pytest.raises(KeyfileExists):
        LocalKeyFiles().create_production_keyfile(target, reference_keyfile(reference_dir))

    assert target.is_dir() and not any(target.iterdir())
    assert os.listdir(tmp_path) == [target.name]
