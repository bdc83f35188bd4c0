"""One contract for the coinbase-mapping port, run against the in-memory fake and the local JSON adapter."""

from __future__ import annotations

import pytest

from butler.adapters.files.coinbase_mapping_files import LocalCoinbaseMappingFiles
from butler.domain.address import Address
from butler.domain.coinbases import CoinbaseMapping, CoinbaseRecord
from butler.domain.errors import InputError
from butler.ports.coinbase_mapping_files_fake import FakeCoinbaseMappingFiles

MAPPING = CoinbaseMapping(
    version=1,
    network="devnet",
    chain_id=31337,
    staking_registry=Address.from_int(0x4E6),
    provider_id=3,
    first_block=7,
    last_scanned_block=900,
    coinbases={
        Address.from_int(0xA2): CoinbaseRecord(Address.from_int(0xC2), 40),
        Address.from_int(0xA1): CoinbaseRecord(Address.from_int(0xC1), 12),
    },
)


@pytest.fixture(params=["fake", "local"])
def files(request):
    return FakeCoinbaseMappingFiles() if request.param == "fake" else LocalCoinbaseMappingFiles()


def test_what_is_written_reads_back_equal_even_in_a_new_folder(files, tmp_path):
    path = tmp_path / "new" / "folder" / "devnet-coinbases.json"
    assert not files.exists(path)
    files.write(path, MAPPING)
    assert files.exists(path)
    assert files.read(path) == MAPPING


def test_a_missing_file_is_an_input_error_naming_it(files, tmp_path):
    with pytest.raises(InputError) as failure:
        files.read(tmp_path / "none.json")
    assert failure.value.problems == (f"{tmp_path / 'none.json'}: file not found",)
