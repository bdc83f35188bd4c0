"""fill-coinbases over fakes, and the pure rules it applies: known coinbases fill the gaps of every keyfile
of a set under one free suffix; a conflict writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.coinbase_fill import KnownCoinbase, fill_keyfile, known_coinbases
from butler.domain.coinbases import CoinbaseMapping, CoinbaseRecord
from butler.domain.config import NetworkConfig
from butler.domain.errors import CheckFailed, UsageError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scraper_config import ScrapedAttester, ScraperConfig
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles
from butler.usecases.fill_coinbases import FillResult, fill_coinbases
from tests.unit.deployment_values import attester, coinbase, deployed, production

A = Path("/ops/A_prod.json")
B = Path("/ops/B_prod.json")
MAPPING = Path("/data/devnet-coinbases.json")
SCRAPER = Path("/data/devnet-scrape-config.json")
REGISTRY = Address.from_int(0x5E)
CONFIG = NetworkConfig(
    network="devnet",
    chain_id=31337,
    staking_registry=REGISTRY,
    rollup=Address.from_int(0x70),
    provider_id=1,
)


# --- the pure rules -------------------------------------------------------------------------------

coinbase_numbers = st.one_of(st.none(), st.just(0), st.integers(1, 3))


def maybe(n: int | None) -> Address | None:
    return None if n is None else (ZERO_ADDRESS if n == 0 else coinbase(n))


@given(
    own=st.lists(coinbase_numbers, min_size=1, max_size=6), recorded=st.lists(coinbase_numbers, max_size=6)
)
def test_filling_adds_known_coinbases_only_where_one_lacks_and_never_changes_a_set_one(own, recorded) -> None:
    keyfile = production(*(deployed(i, cb=maybe(n)) for i, n in enumerate(own, 1)))
    known = {
        attester(i).eth: KnownCoinbase(coinbase(n), "the mapping")
        for i, n in enumerate(recorded, 1)
        if n  # None and 0 are not known coinbases
    }
    conflicts = [
        i
        for i, n in enumerate(own, 1)
        if n and attester(i).eth in known and known[attester(i).eth].coinbase != coinbase(n)
    ]
    if conflicts:
        with pytest.raises(CheckFailed) as failure:
            fill_keyfile(keyfile, known, "k.json")
        assert [p.split(":")[1] for p in failure.value.problems] == [
            f" validators[{i - 1}].coinbase" for i in conflicts
        ]
        return

    result = fill_keyfile(keyfile, known, "k.json")

    for i, (before, after) in enumerate(zip(keyfile.validators, result.keyfile.validators, strict=True)):
        lacked = before.coinbase is None or before.coinbase.is_zero
        expected = (
            known[before.attester.eth].coinbase
            if lacked and before.attester.eth in known
            else before.coinbase
        )
        assert after.coinbase == expected
        assert (before.attester.eth in result.filled) == (after.coinbase != before.coinbase), i
        assert (after.attester, after.publisher, after.fee_recipient) == (
            before.attester,
            before.publisher,
            before.fee_recipient,
        )
    assert set(result.lacking) == {
        v.attester.eth for v in result.keyfile.validators if v.coinbase in (None, ZERO_ADDRESS)
    }


def test_two_sources_with_different_coinbases_for_one_attester_are_a_conflict() -> None:
    a = attester(1).eth
    with pytest.raises(
        CheckFailed, match=f"attester {a}: the mapping records coinbase .* but the config records"
    ):
        known_coinbases(
            [("the mapping", {a: coinbase(1)}), ("the config", {a: coinbase(2), attester(2).eth: None})]
        )
    assert known_coinbases(
        [("m", {a: coinbase(1)}), ("c", {a: coinbase(1), attester(2).eth: ZERO_ADDRESS})]
    ) == {a: KnownCoinbase(coinbase(1), "m")}


# --- the use case ---------------------------------------------------------------------------------


class World:
    def __init__(self, *keyfiles: tuple[Path, ProductionKeyfile]) -> None:
        self.files = FakeKeyFiles(dict(keyfiles))
        self.mappings = FakeJsonDocuments()
        self.scraper = FakeJsonDocuments()

    def record(self, **coinbases: int) -> None:
        self.mappings.files[MAPPING] = CoinbaseMapping(
            1,
            "devnet",
            31337,
            REGISTRY,
            1,
            0,
            40,
            {attester(int(n[1:])).eth: CoinbaseRecord(coinbase(cb), 5) for n, cb in coinbases.items()},
        )

    def run(self, *keyfiles: Path) -> FillResult:
        return fill_coinbases(
            keyfiles,
            network=CONFIG,
            files=self.files,
            mappings=self.mappings,
            mapping_path=MAPPING,
            scraper_configs=self.scraper,
            scraper_config_path=SCRAPER,
        )


def ha_set() -> World:
    return World(
        (A, production(deployed(1), deployed(2), deployed(3, cb=coinbase(3)))),
        (B, production(deployed(1), deployed(2), deployed(3, cb=coinbase(3)))),
    )


def test_a_whole_set_is_written_under_the_first_suffix_free_for_all_of_it() -> None:
    world = ha_set()
    world.files.files[Path("/ops/B_prod.json.new")] = "an earlier output"
    world.record(a1=1)
    world.scraper.files[SCRAPER] = ScraperConfig(
        1, "devnet", 31337, 1, (ScrapedAttester(attester(3).eth, coinbase(3)),), (), "x"
    )

    result = world.run(A, B)

    assert [f.target for f in result.files] == [Path("/ops/A_prod.json.new2"), Path("/ops/B_prod.json.new2")]
    for target in (Path("/ops/A_prod.json.new2"), Path("/ops/B_prod.json.new2")):
        written = world.files.files[target]
        assert isinstance(written, ProductionKeyfile)
        assert [v.coinbase for v in written.validators] == [coinbase(1), None, coinbase(3)]
    assert [f.filled.lacking for f in result.files] == [(attester(2).eth,)] * 2
    assert world.files.files[A] == ha_set().files.files[A]  # never replaced


def test_a_conflict_in_any_keyfile_writes_nothing() -> None:
    world = ha_set()
    world.files.files[B] = production(deployed(1), deployed(2), deployed(3, cb=coinbase(9)))
    world.record(a1=1, a3=3)
    before = dict(world.files.files)
    with pytest.raises(CheckFailed) as failure:
        world.run(A, B)
    assert failure.value.problems[0].startswith(f"{B}: validators[2].coinbase: attester {attester(3).eth}")
    assert failure.value.problems[-1] == "nothing was written"
    assert world.files.files == before


def test_nothing_new_to_fill_writes_nothing() -> None:
    world = ha_set()
    world.record(a3=3)
    result = world.run(A, B)
    assert not result.written and len(world.files.files) == 2


def test_a_mapping_of_another_registry_is_refused() -> None:
    world = ha_set()
    world.record(a1=1)
    mapping = world.mappings.files[MAPPING]
    world.mappings.files[MAPPING] = CoinbaseMapping(
        1, "devnet", 31337, Address.from_int(0xBAD), 1, 0, 40, mapping.coinbases
    )
    with pytest.raises(
        CheckFailed,
        match=f"the coinbase mapping is for chain 31337, staking registry {Address.from_int(0xBAD)},",
    ):
        world.run(A)


@pytest.mark.parametrize(("keyfiles", "message"), [((), "at least one"), ((A, A), "named twice")])
def test_keyfiles_none_or_twice_are_usage_errors(keyfiles, message) -> None:
    with pytest.raises(UsageError, match=message):
        ha_set().run(*keyfiles)
