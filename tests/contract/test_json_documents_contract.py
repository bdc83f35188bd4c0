"""One contract for the JSON-document port, run against the in-memory fake and the local JSON adapter, for
each kind of document: the scraper config and the coinbase mapping."""

from __future__ import annotations

import attrs
import pytest

from butler.adapters.files.json_documents import local_coinbase_mapping_files, local_scraper_config_files
from butler.domain.address import Address
from butler.domain.coinbases import CoinbaseMapping, CoinbaseRecord
from butler.domain.errors import ButlerError, InputError
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.ports.json_documents_fake import FakeJsonDocuments

SCRAPER_CONFIG = ScraperConfig(
    version=1,
    network="devnet",
    chain_id=31337,
    staking_provider_id=1,
    attesters=(
        ScrapedAttester(
            Address.from_int(1), Address.from_int(2), AttesterState.ACTIVE, (Address.from_int(3),)
        ),
        ScrapedAttester(Address.from_int(4)),
    ),
    publishers=(Address.from_int(3),),
    last_updated="2026-11-21T00:00:00Z",
)

COINBASE_MAPPING = CoinbaseMapping(
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

LOCAL = {"scraper config": local_scraper_config_files, "coinbase mapping": local_coinbase_mapping_files}
DOCUMENTS = {"scraper config": SCRAPER_CONFIG, "coinbase mapping": COINBASE_MAPPING}


@pytest.fixture(params=["fake", "local"])
def implementation(request):
    return request.param


@pytest.fixture(params=sorted(DOCUMENTS))
def kind(request):
    return request.param


@pytest.fixture
def document(kind):
    return DOCUMENTS[kind]


@pytest.fixture
def files(implementation, kind):
    return FakeJsonDocuments() if implementation == "fake" else LOCAL[kind]()


def test_what_is_written_reads_back_equal_even_in_a_new_folder(files, document, tmp_path):
    path = tmp_path / "new" / "folder" / "devnet.json"
    assert not files.exists(path)
    files.write(path, document)
    assert files.exists(path)
    assert files.read(path) == document


def test_a_document_written_again_replaces_the_first(files, document, tmp_path):
    path = tmp_path / "devnet.json"
    files.write(path, document)
    changed = attrs.evolve(document, chain_id=11155111)
    files.write(path, changed)
    assert files.read(path) == changed


def test_a_missing_file_is_an_input_error_naming_it(files, tmp_path):
    with pytest.raises(InputError) as failure:
        files.read(tmp_path / "none.json")
    assert failure.value.problems == (f"{tmp_path / 'none.json'}: file not found",)


def test_a_path_that_cannot_be_written_is_refused_before_writing(implementation, kind, document, tmp_path):
    if implementation == "fake":
        blocked = tmp_path / "blocked.json"
        files = FakeJsonDocuments(unwritable=[blocked])
    else:
        (tmp_path / "file").write_text("")
        blocked = tmp_path / "file" / "below" / "c.json"
        files = LOCAL[kind]()
    files.check_writable(tmp_path / "not" / "yet" / "there.json")
    with pytest.raises(ButlerError, match="cannot write"):
        files.check_writable(blocked)
    with pytest.raises(ButlerError, match="cannot write"):
        files.write(blocked, document)
    assert not files.exists(blocked)
