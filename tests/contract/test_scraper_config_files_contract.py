"""One contract for the scraper-config port, run against the in-memory fake and the local JSON adapter."""

from __future__ import annotations

import pytest

from butler.adapters.files.scraper_config_files import LocalScraperConfigFiles
from butler.domain.address import Address
from butler.domain.errors import ButlerError, InputError
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.ports.scraper_config_files_fake import FakeScraperConfigFiles

CONFIG = ScraperConfig(
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


@pytest.fixture(params=["fake", "local"])
def files(request):
    return FakeScraperConfigFiles() if request.param == "fake" else LocalScraperConfigFiles()


def test_what_is_written_reads_back_equal_even_in_a_new_folder(files, tmp_path):
    path = tmp_path / "new" / "folder" / "devnet-scrape-config.json"
    assert not files.exists(path)
    files.write(path, CONFIG)
    assert files.exists(path)
    assert files.read(path) == CONFIG


def test_a_missing_file_is_an_input_error_naming_it(files, tmp_path):
    with pytest.raises(InputError) as failure:
        files.read(tmp_path / "none.json")
    assert failure.value.problems == (f"{tmp_path / 'none.json'}: file not found",)


def test_a_path_that_cannot_be_written_is_refused_before_writing(files, tmp_path):
    if isinstance(files, FakeScraperConfigFiles):
        blocked = tmp_path / "blocked.json"
        files = FakeScraperConfigFiles(unwritable=[blocked])
    else:
        (tmp_path / "file").write_text("")
        blocked = tmp_path / "file" / "below" / "c.json"
    files.check_writable(tmp_path / "not" / "yet" / "there.json")
    with pytest.raises(ButlerError, match="cannot write"):
        files.check_writable(blocked)
    with pytest.raises(ButlerError, match="cannot write"):
        files.write(blocked, CONFIG)
    assert not files.exists(blocked)
