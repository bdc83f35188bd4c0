"""The ABIs shipped with the adapters: the reference copies, giving the selectors SPEC §8 lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from butler.adapters.chain import contract_abis as abis


@pytest.mark.parametrize(
    "file_name", [abis.STAKING_REGISTRY, abis.ROLLUP, abis.ROLLUP_DEPOSITS, abis.GSE, abis.REGISTRY]
)
def test_the_shipped_abis_are_the_reference_abis(reference_dir: Path, file_name: str) -> None:
    reference = json.loads((reference_dir / "abi" / file_name).read_text())

    assert list(abis.abi_json(file_name)) == reference


@pytest.mark.parametrize(
    ("file_name", "name", "selector"),
    [
        (abis.STAKING_REGISTRY, "providerConfigurations", "dc5aca93"),
        (abis.STAKING_REGISTRY, "nextProviderIdentifier", "2c9a9db5"),
        (abis.STAKING_REGISTRY, "getFirstIndexInQueue", "2a9e42c1"),
        (abis.STAKING_REGISTRY, "getLastIndexInQueue", "834d1091"),
        (abis.STAKING_REGISTRY, "getProviderQueueLength", "28f34d3c"),
        (abis.STAKING_REGISTRY, "getValueAtIndexInQueue", "2ba4d02d"),
        (abis.STAKING_REGISTRY, "addKeysToProvider", "e2530fd1"),
        (abis.ROLLUP, "getAttesterView", "34a51ed5"),
        (abis.ROLLUP, "getEntryQueueLength", "1b56a0e7"),
        (abis.ROLLUP, "getEntryQueueAt", "9ca03702"),
        (abis.ROLLUP, "getGSE", "ed9187b7"),
        (abis.GSE, "getRegistrationDigest", "11d66fee"),
    ],
)
def test_function_selectors_match_the_spec(file_name: str, name: str, selector: str) -> None:
    assert abis.function(file_name, name).selector.hex() == selector


def test_the_staked_with_provider_topic_and_its_indexed_fields() -> None:
    event = abis.event(abis.STAKING_REGISTRY, "StakedWithProvider")

    assert event.topic0.hex().startswith("c91c8b4e")
    assert event.topic0.hex().endswith("37d5c7")
    assert event.indexed_types == ("uint256", "address", "address")
    assert event.data_types == ("address", "address")


def test_an_unknown_function_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="noSuchFunction"):
        abis.function(abis.ROLLUP, "noSuchFunction")
