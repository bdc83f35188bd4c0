"""The scraper config on disk: the SPEC §3 layout, and refusal of anything shaped like a private key."""

from __future__ import annotations

import json

import pytest

from butler.adapters.files.json_documents import local_scraper_config_files
from butler.adapters.files.scraper_config_location import default_scraper_config_path
from butler.domain.address import Address
from butler.domain.errors import InputError
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig

KEY = "0x" + "ab" * 32


def written(tmp_path, attesters):
    path = tmp_path / "c.json"
    config = ScraperConfig(1, "devnet", 31337, 1, attesters, (), "2026-11-21T00:00:00Z")
    local_scraper_config_files().write(path, config)
    return path, json.loads(path.read_text())


def test_the_file_uses_the_spec_field_names_and_omits_unknown_values(tmp_path):
    attester = Address.from_int(1)
    _, data = written(tmp_path, (ScrapedAttester(attester, None, AttesterState.NEW),))
    assert data == {
        "version": 1,
        "network": "devnet",
        "chainId": 31337,
        "stakingProviderId": 1,
        "attesters": [{"address": attester.checksum, "lastSeenState": "NEW", "publishers": []}],
        "publishers": [],
        "lastUpdated": "2026-11-21T00:00:00Z",
    }


@pytest.mark.parametrize(
    "plant",
    [
        lambda d: d["attesters"][0].update(privateKey=KEY),
        lambda d: d.update(notes=[KEY[2:].upper()]),
        lambda d: d.update({KEY: 1}),
    ],
    ids=["field", "bare-hex-in-a-list", "field-name"],
)
def test_a_file_holding_something_shaped_like_a_private_key_is_refused_without_echoing_it(tmp_path, plant):
    path, data = written(tmp_path, (ScrapedAttester(Address.from_int(1)),))
    plant(data)
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as failure:
        local_scraper_config_files().read(path)
    message = str(failure.value)
    assert "looks like a private key" in message
    assert str(path) in message
    assert KEY[2:].lower() not in message.lower()


def test_an_unknown_state_is_named(tmp_path):
    path, data = written(tmp_path, (ScrapedAttester(Address.from_int(1)),))
    data["attesters"][0]["lastSeenState"] = "WAITING_FOR_MULTISIG_SIGN"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"attesters\[0\]\.lastSeenState: unknown state"):
        local_scraper_config_files().read(path)


def test_the_default_location_follows_xdg_data_home():
    assert default_scraper_config_path("testnet", {"XDG_DATA_HOME": "/d", "HOME": "/h"}).as_posix() == (
        "/d/aztec-butler/testnet-scrape-config.json"
    )
    assert default_scraper_config_path("testnet", {"HOME": "/h"}).as_posix() == (
        "/h/.local/share/aztec-butler/testnet-scrape-config.json"
    )
