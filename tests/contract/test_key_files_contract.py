"""One contract for the key-files port, run against the in-memory fake and the local JSON adapter."""

from __future__ import annotations

import shutil

import pytest

from butler.adapters.local_key_files import LocalKeyFiles
from butler.domain.errors import InputError
from butler.domain.keyfiles import PublicKeysFile
from butler.domain.keys import attester_address
from butler.ports.key_files_fake import FakeKeyFiles

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
EXPECTED_ATTESTERS = [
    "0x5FAC75C9bD29CDf5599C74e31A8a88850a573748",
    "0x829B7234A1544C755a9F31Fa4812675F8E8A0BF3",
]


@pytest.fixture(params=["fake", "local"])
def world(request, tmp_path, shared_dir):
    """(port, path of the phase-1 private-keys file as the port sees it)."""
    reference = shared_dir / PHASE1
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


PRODUCTION = "key-flow/after_phase3/on-dev-machine/prod-testnet-keyfile.json.new"


def test_a_production_keyfile_reads_back_as_written(world, tmp_path, shared_dir):
    files, _ = world
    keyfile = LocalKeyFiles().read_production_keyfile(shared_dir / PRODUCTION)
    target = tmp_path / "prod.json.new"
    files.write_production_keyfile(target, keyfile)
    again = files.read_production_keyfile(target)
    assert again == keyfile
    assert again.remote_signer == "https://signer.example.com:8080"
    assert [v.coinbase is None for v in again.validators] == [False, False, True, True, True]
