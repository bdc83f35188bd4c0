"""One rule for "this file is for another network, chain, registry or provider"."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler.domain.address import Address
from butler.domain.errors import CheckFailed
from butler.domain.scope import Scope, check_scope, out_of_scope

REGISTRY = Address.from_int(0x4E6)
RUN = Scope("devnet", 31337, REGISTRY, 1)


def test_a_file_of_the_same_scope_serves_the_run() -> None:
    assert out_of_scope("coinbase mapping", RUN, RUN) is None


def test_a_part_either_side_does_not_know_is_not_compared() -> None:
    scraper_config = Scope("devnet", 31337, provider_id=1)  # records no staking registry
    admin_only = Scope("devnet", 31337, REGISTRY)  # a network config naming its provider by its admin

    assert out_of_scope("scraper config", scraper_config, RUN) is None
    assert out_of_scope("scraper config", Scope("devnet", 31337, provider_id=9), admin_only) is None


@pytest.mark.parametrize(
    "theirs",
    [
        Scope("mainnet", 31337, REGISTRY, 1),
        Scope("devnet", 1, REGISTRY, 1),
        Scope("devnet", 31337, Address.from_int(7), 1),
        Scope("devnet", 31337, REGISTRY, 2),
    ],
)
def test_any_known_part_that_differs_refuses_the_file_naming_both_scopes(theirs: Scope) -> None:
    assert out_of_scope("coinbase mapping", theirs, RUN) == (
        f"the coinbase mapping is for {theirs.describe()}; this run is for {RUN.describe()}"
    )


def test_the_message_names_only_the_parts_compared() -> None:
    problem = out_of_scope("scraper config", Scope("mainnet", 1, provider_id=1), RUN)

    assert problem == (
        "the scraper config is for network mainnet, chain 1, provider 1; "
        "this run is for network devnet, chain 31337, provider 1"
    )


def test_a_refused_file_is_named_by_its_path() -> None:
    with pytest.raises(CheckFailed) as refused:
        check_scope(Path("/data/x.json"), "scraper config", Scope(chain_id=1), RUN)

    assert refused.value.problems == (
        "/data/x.json: the scraper config is for chain 1; this run is for chain 31337",
    )
