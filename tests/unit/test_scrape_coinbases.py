"""scrape-coinbases over fakes: what is reported and written, what is scanned, and what stops the run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.bn254 import G1
from butler.domain.coinbases import BlockRange, CoinbaseRecord
from butler.domain.config import NetworkConfig
from butler.domain.errors import CheckFailed, UsageError
from butler.domain.keyfiles import DeployedValidator, FeeRecipient, ProductionKeyfile, PublicAttester
from butler.domain.keys import BlsPublicKey
from butler.domain.onchain import (
    AttesterStatus,
    AttesterView,
    DepositStep,
    G1Point,
    G2Point,
    KeyStore,
    StakedWithProvider,
)
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.entrypoints.console import shown
from butler.ports.chain_fake import FAKE_ROLLUP, FakeChain
from butler.ports.clock_fake import FixedClock
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles
from butler.usecases.scrape_coinbases import Scraped, ScrapeRequest, scrape_coinbases

MAPPING = Path("/data/devnet-coinbases.json")
SCRAPER_CONFIG = Path("/data/devnet-scrape-config.json")
KEYFILE = Path("/keys/prod-keyfile.json")
REGISTRY = Address.from_int(0x4E61)
ADMIN = Address.from_int(0xAD)


def attester(n: int) -> Address:
    return Address.from_int(0xA000 + n)


class RecordingChain(FakeChain):
    """The fake chain, remembering each block range asked for; `extra` events are added to its answers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ranges: list[tuple[int, int]] = []
        self.extra: list[StakedWithProvider] = []

    def staked_with_provider(
        self, provider_id: int, from_block: int, to_block: int, attesters: Sequence[Address] | None = None
    ) -> Sequence[StakedWithProvider]:
        if attesters is None:
            self.ranges.append((from_block, to_block))
        found = [*super().staked_with_provider(provider_id, from_block, to_block, attesters)]
        found += [
            e
            for e in self.extra
            if from_block <= e.block_number <= to_block and (attesters is None or e.attester in attesters)
        ]
        return sorted(found, key=lambda e: (e.block_number, e.log_index))


class World:
    def __init__(self, chain_id: int = 31337) -> None:
        self.chain = RecordingChain(chain_id=chain_id)
        self.provider_id = self.chain.add_provider(ADMIN)
        self.config = NetworkConfig(
            network="devnet",
            chain_id=chain_id,
            staking_registry=REGISTRY,
            rollup=FAKE_ROLLUP,
            provider_id=self.provider_id,
        )
        self.mappings = FakeJsonDocuments()
        self.scraper_configs = FakeJsonDocuments()
        self.key_files = FakeKeyFiles()
        self.clock = FixedClock()
        self.progress: list[tuple[int, int]] = []
        self.queued = 0

    def stake(self, *numbers: int) -> dict[Address, CoinbaseRecord]:
        self.chain.enqueue_keys(self.provider_id, [keystore(attester(n)) for n in numbers])
        events = self.chain.stake(self.provider_id, len(numbers))
        return {e.attester: CoinbaseRecord(e.coinbase, e.block_number) for e in events}

    def with_scraper_config(
        self, *attesters: ScrapedAttester, provider_id: int | None = None
    ) -> ScraperConfig:
        config = ScraperConfig(
            version=1,
            network="devnet",
            chain_id=self.config.chain_id,
            staking_provider_id=provider_id or self.provider_id,
            attesters=attesters,
            publishers=(Address.from_int(0xB0B),),
            last_updated="2026-01-01T00:00:00Z",
        )
        self.scraper_configs.files[SCRAPER_CONFIG] = config
        return config

    def run(self, **options: Any) -> Scraped:
        """A run with 0 confirmations unless told otherwise: the fake chain never reorganises by itself."""
        options.setdefault("confirmations", 0)
        request = ScrapeRequest(mapping_path=MAPPING, scraper_config_path=SCRAPER_CONFIG, **options)
        return scrape_coinbases(
            request,
            config=self.config,
            chain=self.chain,
            mappings=self.mappings,
            scraper_configs=self.scraper_configs,
            key_files=self.key_files,
            clock=self.clock,
            progress=lambda done, total: self.progress.append((done, total)),
            piece_blocks=7,
        )

    def writes(self) -> int:
        return self.mappings.writes + self.scraper_configs.writes


def keystore(address: Address) -> KeyStore:
    return KeyStore(address, G1, G2Point(1, 2, 3, 4), G1Point(1, 2))


def production_keyfile(*validators: tuple[Address, Address | None]) -> ProductionKeyfile:
    return ProductionKeyfile(
        schema_version=1,
        remote_signer="http://signer",
        validators=tuple(
            DeployedValidator(
                attester=PublicAttester(eth=address, bls=BlsPublicKey(G1)),
                publisher=Address.from_int(0xB0B),
                coinbase=coinbase,
                fee_recipient=FeeRecipient(bytes(32)),
            )
            for address, coinbase in validators
        ),
    )


def test_staked_attesters_are_mapped_and_the_others_listed_without_coinbase() -> None:
    world = World()
    world.with_scraper_config(*(ScrapedAttester(attester(n)) for n in (1, 2, 3, 4)))
    world.chain.enqueue_keys(world.provider_id, [keystore(attester(n)) for n in (1, 2, 3, 4)])
    staked = world.chain.stake(world.provider_id, 2)

    result = world.run()

    expected = {e.attester: CoinbaseRecord(e.coinbase, e.block_number) for e in staked}
    assert dict(result.lines) == {**expected, attester(3): None, attester(4): None}
    assert [a for a, _ in result.lines] == [attester(n) for n in (1, 2, 3, 4)]
    assert result.scanned == (BlockRange(0, world.chain.head_block()),)
    written = world.mappings.files[MAPPING]
    assert dict(written.coinbases) == expected
    assert (written.first_block, written.last_scanned_block) == (0, world.chain.head_block())
    assert (written.chain_id, written.provider_id, written.staking_registry) == (
        31337,
        world.provider_id,
        REGISTRY,
    )
    assert world.progress[-1] == (result.blocks_scanned, result.blocks_scanned)


def test_without_a_list_every_mapped_attester_is_reported() -> None:
    world = World()
    staked = world.stake(5, 6)
    result = world.run()
    assert dict(result.lines) == staked
    assert result.listed_from is None


def test_a_second_run_scans_only_the_new_blocks() -> None:
    world = World()
    world.stake(1)
    first = world.run()
    head = world.chain.head_block()
    world.chain.ranges.clear()

    again = world.run()
    assert world.chain.ranges == [] and again.scanned == ()
    assert not again.mapping_written
    assert world.mappings.writes == 1

    world.chain.mine(3)
    staked = world.stake(2)
    later = world.run()
    assert world.chain.ranges[0][0] == head + 1
    assert later.scanned == (BlockRange(head + 1, world.chain.head_block()),)
    assert dict(later.mapping.coinbases) == {**first.mapping.coinbases, **staked}


def test_an_earlier_start_block_scans_only_the_blocks_before_the_mapping() -> None:
    world = World()
    world.chain.mine(30)
    world.stake(1)
    world.run(start_block=20)
    world.chain.ranges.clear()

    result = world.run(start_block=5)

    assert result.scanned == (BlockRange(5, 19),)
    assert (result.mapping.first_block, result.mapping.last_scanned_block) == (5, world.chain.head_block())


def test_full_rescans_from_the_start() -> None:
    world = World()
    world.stake(1)
    world.run()
    world.chain.ranges.clear()
    result = world.run(full=True)
    assert result.scanned == (BlockRange(0, world.chain.head_block()),)
    assert result.mapping_written


@given(steps=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9), st.booleans()), min_size=1, max_size=8))
@settings(max_examples=40, deadline=None)
def test_incremental_runs_end_with_the_mapping_of_one_full_scan(steps: list[tuple[int, int, bool]]) -> None:
    world = World()
    number = 0
    for stakes, blocks, scrape in steps:
        world.chain.mine(blocks)
        if stakes:
            world.stake(*range(number, number + stakes))
            number += stakes
        if scrape:
            world.run()
    incremental = world.run().mapping

    full = World()
    full.chain = world.chain
    full.provider_id = world.provider_id
    whole = full.run().mapping
    # The same coinbases and blocks; only the checkpoints tell the runs apart.
    assert whole is not None and incremental is not None
    assert attrs.evolve(whole, checkpoints=()) == attrs.evolve(incremental, checkpoints=())
    assert whole.checkpoints[-1] == incremental.checkpoints[-1]


@pytest.mark.parametrize("chain_id", [31337, 1337, 11155111, 1])
def test_the_confirmation_depth_keeps_the_newest_blocks_for_later_on_every_chain(chain_id: int) -> None:
    world = World(chain_id=chain_id)
    world.stake(1)
    world.chain.mine(20)
    head = world.chain.head_block()

    result = world.run(confirmations=None)
    assert result.safe_head == head - 12
    assert result.mapping.last_scanned_block == head - 12
    assert world.run(confirmations=0).scanned == (BlockRange(head - 11, head),)


def test_a_zero_coinbase_on_chain_fails_and_nothing_is_written() -> None:
    world = World()
    world.stake(1)
    world.chain.mine(1)
    world.chain.extra.append(
        StakedWithProvider(world.provider_id, FAKE_ROLLUP, attester(9), ZERO_ADDRESS, ZERO_ADDRESS, 2, 0)
    )
    with pytest.raises(CheckFailed, match=f"attester {attester(9)}: .* names the zero address"):
        world.run()
    assert world.writes() == 0


def test_a_mapping_without_checkpoints_beyond_the_head_asks_for_a_full_rescan() -> None:
    world = World()
    world.chain.mine(10)
    mapping = world.run().mapping
    assert mapping is not None
    world.mappings.files[MAPPING] = attrs.evolve(mapping, checkpoints=())  # written before checkpoints
    reset = World()
    reset.mappings = world.mappings
    with pytest.raises(CheckFailed) as refused:
        reset.run()
    assert shown(refused.value.problems[0]).endswith("the chain was reset or replaced; rescan with --full")
    assert reset.run(full=True).mapping_written


def test_a_coinbase_contradicting_the_scraper_config_fails_and_nothing_is_written() -> None:
    world = World()
    staked = world.stake(1, 2)
    wrong = Address.from_int(0xBAD)
    world.with_scraper_config(ScrapedAttester(attester(1), wrong), ScrapedAttester(attester(2)))

    with pytest.raises(CheckFailed) as failure:
        world.run(update_scraper_config=True)

    assert failure.value.problems == (
        f"attester {attester(1)}: coinbase on chain is {staked[attester(1)].coinbase} (block "
        f"{staked[attester(1)].block}) but the scraper config {SCRAPER_CONFIG} records {wrong}",
    )
    assert world.writes() == 0


def test_a_coinbase_contradicting_the_keyfile_fails_and_nothing_is_written() -> None:
    world = World()
    staked = world.stake(1, 2)
    wrong = Address.from_int(0xBAD)
    world.key_files.files[KEYFILE] = production_keyfile(
        (attester(1), staked[attester(1)].coinbase), (attester(2), wrong), (attester(3), ZERO_ADDRESS)
    )
    with pytest.raises(CheckFailed, match=f"attester {attester(2)}: .* but {KEYFILE} records {wrong}"):
        world.run(attesters_file=KEYFILE)
    assert world.writes() == 0


def test_the_keyfile_restricts_the_report() -> None:
    world = World()
    staked = world.stake(1, 2, 3)
    world.with_scraper_config(ScrapedAttester(attester(1)))
    world.key_files.files[KEYFILE] = production_keyfile((attester(3), None), (attester(7), None))

    result = world.run(attesters_file=KEYFILE)

    assert result.lines == ((attester(3), staked[attester(3)]), (attester(7), None))
    assert result.listed_from == str(KEYFILE)
    assert result.unlisted == 2


def test_update_fills_in_the_coinbases_of_the_configs_attesters_only() -> None:
    world = World()
    staked = world.stake(1, 2, 3)
    known = staked[attester(2)].coinbase
    world.with_scraper_config(
        ScrapedAttester(attester(1), last_seen_state=AttesterState.IN_STAKING_QUEUE),
        ScrapedAttester(attester(2), known),
        ScrapedAttester(attester(4), ZERO_ADDRESS),
    )

    world.clock.advance(3600)
    result = world.run(update_scraper_config=True)

    assert result.scraper_config_updated == (attester(1),)
    config = world.scraper_configs.files[SCRAPER_CONFIG]
    assert [(a.address, a.coinbase, a.last_seen_state) for a in config.attesters] == [
        (attester(1), staked[attester(1)].coinbase, AttesterState.IN_STAKING_QUEUE),
        (attester(2), known, AttesterState.NEW),
        (attester(4), None, AttesterState.NEW),
    ]
    assert config.publishers == (Address.from_int(0xB0B),)
    assert config.last_updated == "2026-01-01T01:00:00Z"
    assert world.run(update_scraper_config=True).scraper_config_updated == ()
    assert world.scraper_configs.writes == 1


def test_update_needs_a_scraper_config() -> None:
    world = World()
    with pytest.raises(UsageError, match="no scraper config at"):
        world.run(update_scraper_config=True)
    assert world.chain.reads == []


def test_a_scraper_config_of_another_provider_is_refused() -> None:
    world = World()
    world.with_scraper_config(ScrapedAttester(attester(1)), provider_id=world.provider_id + 1)
    with pytest.raises(
        CheckFailed, match="the scraper config is for network devnet, chain 31337, provider 2"
    ):
        world.run()


@pytest.mark.parametrize("full", [False, True])
def test_a_mapping_of_another_provider_is_never_used_nor_replaced(full: bool) -> None:
    world = World()
    world.stake(1)
    world.run()
    other = World()
    other.mappings = world.mappings
    other.config = attrs.evolve(other.config, staking_registry=Address.from_int(0x0DD))
    with pytest.raises(
        CheckFailed, match=f"{MAPPING}: the coinbase mapping is for chain 31337, staking registry"
    ):
        other.run(full=full)
    assert world.mappings.writes == 1


def test_a_mapping_of_a_replaced_chain_is_rescanned_from_its_first_block_saying_so() -> None:
    world = World()
    world.stake(1)
    world.chain.mine(10)
    world.run()
    reset = World()
    reset.mappings = world.mappings
    staked = reset.stake(2)

    result = reset.run()

    assert result.reorg is not None and "rescanning from its first block 0" in result.reorg
    assert result.scanned == (BlockRange(0, reset.chain.head_block()),)
    assert dict(reset.mappings.files[MAPPING].coinbases) == staked


def test_nothing_is_scanned_or_written_before_the_start_block() -> None:
    world = World()
    result = world.run(start_block=world.chain.head_block() + 5)
    assert result.scanned == () and result.mapping is None and world.writes() == 0


@pytest.mark.parametrize(("option", "value"), [("start_block", -1), ("confirmations", -2)])
def test_negative_numbers_are_usage_errors(option: str, value: int) -> None:
    with pytest.raises(UsageError, match="must not be negative"):
        World().run(**{option: value})


# --- attesters staked more than once ---------------------------------------------------------------


def test_duplicate_stakes_resolve_to_the_deposit_that_succeeded_across_runs() -> None:
    world = World()
    first = world.stake(1, 2)
    world.run()  # attester 1 has one stake so far
    again = world.stake(1)  # queued twice by mistake, staked again with another coinbase
    world.chain.flush(3)  # FIFO: 1 succeeds, 2 succeeds, the second deposit of 1 fails

    result = world.run()

    assert dict(world.mappings.files[MAPPING].coinbases) == first
    ((who, resolution),) = result.staked_twice
    assert who == attester(1) and resolution.winner is not None
    assert resolution.winner.coinbase == first[attester(1)].coinbase and resolution.settled
    (other,) = resolution.others
    assert other.stake.coinbase == again[attester(1)].coinbase
    assert other.fate is DepositStep.FAILED and other.block == world.chain.head_block()
    assert world.mappings.files[MAPPING].unsettled == ()


def test_before_the_flush_the_first_stake_counts_and_the_attester_is_looked_at_again() -> None:
    world = World()
    first = world.stake(1)
    world.stake(1)

    world.run()
    assert world.mappings.files[MAPPING].unsettled == (attester(1),)
    assert world.mappings.files[MAPPING].coinbases[attester(1)] == first[attester(1)]

    world.chain.flush(2)
    result = world.run()
    assert result.scanned != () and result.undecidable == ()
    assert world.mappings.files[MAPPING].unsettled == ()
    assert world.mappings.files[MAPPING].coinbases[attester(1)] == first[attester(1)]


def test_an_undecidable_attester_is_listed_and_left_out_while_the_others_are_recorded() -> None:
    world = World()
    world.chain = RecordingChain(chain_id=31337, rollup_logs_deposits=True)
    world.provider_id = world.chain.add_provider(ADMIN)
    world.stake(1)
    world.chain.flush(1)
    world.chain.set_attester_view(attester(1), AttesterView(AttesterStatus.NONE, 0, ADMIN))  # exited, gone
    others = world.stake(1, 2)  # attester 1 again: succeeds too, a second time in the GSE
    world.chain.flush(2)

    result = world.run()

    assert [a for a, _ in result.undecidable] == [attester(1)]
    assert "the GSE took 2 of its stakes" in result.undecidable[0][1]
    written = world.mappings.files[MAPPING]
    assert dict(written.coinbases) == {attester(2): others[attester(2)]}
    assert written.unsettled == (attester(1),)


def test_a_keyfile_lacking_a_coinbase_found_on_chain_is_reported() -> None:
    world = World()
    staked = world.stake(1, 2, 3)
    world.key_files.files[KEYFILE] = production_keyfile(
        (attester(1), staked[attester(1)].coinbase), (attester(2), None), (attester(3), ZERO_ADDRESS)
    )

    result = world.run(attesters_file=KEYFILE)

    assert result.keyfile_lacks == ((attester(2), staked[attester(2)]), (attester(3), staked[attester(3)]))
    assert world.mappings.writes == 1


# --- reorganisations -------------------------------------------------------------------------------


def test_a_reorganisation_below_the_scanned_blocks_is_found_and_rescanned() -> None:
    world = World()
    kept = world.stake(1)
    world.chain.mine(3)
    world.run()
    lost = world.stake(2)
    world.run()
    assert attester(2) in world.mappings.files[MAPPING].coinbases

    world.chain.reorg(3)  # the stake of 2 is gone; 3 is staked on the new chain instead
    world.chain.mine(3)
    new = world.stake(3)
    result = world.run()

    assert result.reorg is not None and "the chain reorganised" in result.reorg
    written = world.mappings.files[MAPPING]
    assert dict(written.coinbases) == {**kept, **new}
    assert lost[attester(2)] not in written.coinbases.values()
    assert written.last_scanned_block == world.chain.head_block()


def test_without_a_reorganisation_the_checkpoints_cost_one_read_and_change_nothing() -> None:
    world = World()
    world.stake(1)
    world.run()
    world.chain.reads.clear()
    result = world.run()
    assert result.reorg is None and not result.mapping_written
    assert world.chain.reads.count("block_hashes") == 1


# --- what the command says and its exit status -----------------------------------------------------


def test_the_command_lists_refunded_stakes_and_fails_only_for_undecidable_attesters_or_keyfile_gaps(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from butler.entrypoints.scrape_coinbases_cmd import _report_problems

    world = World()
    first = world.stake(1)
    world.stake(1)
    world.chain.flush(2)
    resolved = world.run()
    capsys.readouterr()

    assert _report_problems(resolved, None) == 0
    err = capsys.readouterr().err
    assert (
        f"attester {attester(1)} was staked 2 times: counts the stake at block {first[attester(1)].block}"
        in err
    )
    assert "failed (refunded) at block" in err

    undecidable = attrs.evolve(
        resolved, staked_twice=((attester(1), attrs.evolve(resolved.staked_twice[0][1], problem="why not")),)
    )
    assert _report_problems(undecidable, None) == 1
    assert (
        f"error: attester {attester(1)}: staked more than once and undecidable: why not"
        in capsys.readouterr().err
    )

    lacking = attrs.evolve(resolved, keyfile_lacks=((attester(1), first[attester(1)]),))
    assert _report_problems(lacking, KEYFILE) == 1
    assert f"error: {KEYFILE}: validator {attester(1)} lacks its coinbase" in capsys.readouterr().err
