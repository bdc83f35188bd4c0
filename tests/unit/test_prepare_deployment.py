"""The prepare-deployment use case over fakes: what it writes where, the scraper config it leaves, and that
every refusal leaves the keyfiles and the scraper config as they were."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from butler.domain.address import Address
from butler.domain.coinbases import CoinbaseMapping, CoinbaseRecord
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, ChainError, CheckFailed, InputError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.publisher_sets import PublisherSets
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.domain.wei import WEI_PER_ETH as ETH
from butler.entrypoints.console import shown
from butler.ports.chain_fake import FakeChain
from butler.ports.clock_fake import FixedClock
from butler.ports.deployment_writes_fake import FakeDeploymentWrites
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files import KeyfileLeftBehind
from butler.ports.key_files_fake import FakeKeyFiles
from butler.usecases.prepare_deployment import (
    DeploymentRequest,
    DeploymentResult,
    OutputPlace,
    default_output,
    prepare_deployment,
)
from tests.unit.deployment_values import attester, coinbase, deployed, new_keys, production, publisher

FOLDER = Path("/ops")
PROD = FOLDER / "prod.json"
NEW = FOLDER / "new-public-keys.json"
PUBS = FOLDER / "publishers.json"
SCRAPER = Path("/data/devnet-scrape-config.json")
MAPPING = Path("/data/devnet-coinbases.json")
NOW = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
P = [publisher(n) for n in range(1, 11)]
ADMIN = Address.from_int(0xAD)


class World:
    """Every port of the use case, arranged for a deployment of 3 production + 2 new validators."""

    def __init__(self, publishers: list[Address] | PublisherSets = P[:3]) -> None:
        sets = (
            publishers if isinstance(publishers, PublisherSets) else PublisherSets.single(tuple(publishers))
        )
        self.files = FakeKeyFiles(
            {
                PROD: production(deployed(1, cb=coinbase(1)), deployed(2, cb=coinbase(2)), deployed(3)),
                NEW: new_keys(4, 5),
                PUBS: sets,
            }
        )
        self.chain = FakeChain(chain_id=31337)
        self.provider_id = self.chain.add_provider(ADMIN)
        for p in sets.publishers:
            self.chain.set_balance(p, ETH)
        self.scraper = FakeJsonDocuments()
        self.config = NetworkConfig(
            network="devnet",
            chain_id=31337,
            staking_registry=Address.from_int(0x5E),
            rollup=Address.from_int(0x70),
            provider_id=self.provider_id,
        )

        self.mappings = FakeJsonDocuments()

    def run(
        self, *, ha_count: int | None = None, output: OutputPlace | None = None, dry_run: bool = False
    ) -> DeploymentResult:
        request = DeploymentRequest(
            production=PROD,
            new_public_keys=NEW,
            publishers=PUBS,
            scraper_config=SCRAPER,
            output=output if output is not None else default_output(PROD),
            ha_count=ha_count,
            coinbase_mapping=MAPPING,
        )
        return prepare_deployment(
            request,
            network=self.config,
            files=self.files,
            chain=self.chain,
            scraper_configs=self.scraper,
            writes=FakeDeploymentWrites(self.files, self.scraper),
            clock=FixedClock(NOW),
            dry_run=dry_run,
            mappings=self.mappings,
        )

    def with_scraper_config(self, *attesters: ScrapedAttester, publishers: tuple[Address, ...] = ()) -> None:
        self.scraper.files[SCRAPER] = ScraperConfig(
            version=1,
            network="devnet",
            chain_id=31337,
            staking_provider_id=self.provider_id,
            attesters=attesters,
            publishers=publishers,
            last_updated="2026-01-01T00:00:00Z",
        )

    def with_mapping(self, coinbases: dict[Address, Address], **changes: object) -> None:
        mapping = CoinbaseMapping(
            version=1,
            network="devnet",
            chain_id=31337,
            staking_registry=self.config.staking_registry,
            provider_id=self.provider_id,
            first_block=0,
            last_scanned_block=50,
            coinbases={a: CoinbaseRecord(cb, 7) for a, cb in coinbases.items()},
        )
        self.mappings.files[MAPPING] = attrs.evolve(mapping, **changes)

    def keyfile(self, name: str) -> ProductionKeyfile:
        content = self.files.files[FOLDER / name]
        assert isinstance(content, ProductionKeyfile)
        return content

    def snapshot(self) -> tuple[dict[Path, object], dict[Path, ScraperConfig]]:
        return dict(self.files.files), dict(self.scraper.files)


def refused(
    world: World,
    error: type[ButlerError] = CheckFailed,
    *,
    ha_count: int | None = None,
    output: OutputPlace | None = None,
) -> list[str]:
    """Run, expect `error`, and check that nothing was written anywhere."""
    before = world.snapshot()
    with pytest.raises(error) as failed:
        world.run(ha_count=ha_count, output=output)
    assert world.snapshot() == before
    assert world.scraper.writes == 0
    return [shown(p) for p in failed.value.problems]


def conflict(n: int, source: str, recorded: Address) -> str:
    """The problem for production validator `n` (coinbase(n)) when `source` records another coinbase."""
    where = f"{PROD}: validators[{n - 1}].coinbase"
    return (
        f"{where}: attester {attester(n).eth} has coinbase {coinbase(n)} but the {source} records "
        f"{recorded}; settle which is right by hand"
    )


def test_writes_the_merged_keyfile_beside_the_production_file_and_the_scraper_config() -> None:
    world = World()

    result = world.run()

    written = world.keyfile("prod.json.new")
    assert [w.path for w in result.keyfiles] == [FOLDER / "prod.json.new"]
    assert [v.attester for v in written.validators] == [attester(n) for n in range(1, 6)]
    assert [v.publisher for v in written.validators] == [P[0], P[1], P[2], P[0], P[1]]
    assert written.remote_signer == world.keyfile("prod.json").remote_signer
    config = world.scraper.files[SCRAPER]
    assert (config.network, config.chain_id, config.staking_provider_id) == (
        "devnet",
        31337,
        world.provider_id,
    )
    assert config.last_updated == "2026-05-04T03:02:01Z"
    assert config.publishers == tuple(P[:3])
    assert [(a.address, a.coinbase, a.last_seen_state, a.publishers) for a in config.attesters] == [
        (attester(1).eth, coinbase(1), AttesterState.NEW, (P[0],)),
        (attester(2).eth, coinbase(2), AttesterState.NEW, (P[1],)),
        (attester(3).eth, None, AttesterState.NEW, (P[2],)),
        (attester(4).eth, None, AttesterState.NEW, (P[0],)),
        (attester(5).eth, None, AttesterState.NEW, (P[1],)),
    ]
    assert result.scraper_attesters_added == 5
    assert result.low_balances == ()


def test_a_second_run_writes_the_next_suffix_and_leaves_the_first_output_alone() -> None:
    world = World()
    world.run()
    first = world.keyfile("prod.json.new")

    result = world.run()

    assert [w.path.name for w in result.keyfiles] == ["prod.json.new2"]
    assert world.keyfile("prod.json.new") is first
    assert result.scraper_attesters_added == 0


def test_high_availability_sets_get_one_keyfile_each_and_move_to_a_free_suffix_together() -> None:
    world = World(P)
    world.files.files[FOLDER / "C_prod.json.new"] = "someone else's file"

    result = world.run(ha_count=3)

    assert [w.path.name for w in result.keyfiles] == [
        "A_prod.json.new2",
        "B_prod.json.new2",
        "C_prod.json.new2",
    ]
    assert world.files.files[FOLDER / "C_prod.json.new"] == "someone else's file"
    groups = [P[0:3], P[3:6], P[6:10]]
    for name, group in zip("ABC", groups, strict=True):
        keyfile = world.keyfile(f"{name}_prod.json.new2")
        assert len(keyfile.validators) == 5
        assert {v.publisher for v in keyfile.validators} <= set(group)
    config = world.scraper.files[SCRAPER]
    assert config.publishers == tuple(P)
    assert config.attesters[0].publishers == (P[0], P[3], P[6])


def test_an_unfunded_publisher_fails_the_command_and_nothing_is_written() -> None:
    world = World()
    world.chain.set_balance(P[2], 0)

    problems = refused(world)

    assert problems == [
        f"publisher {P[2]}: balance is 0 ETH and 1 attester(s) would use it; fund it before deploying"
    ]


def test_a_short_publisher_is_a_warning() -> None:
    world = World()
    world.chain.set_balance(P[0], ETH // 10)  # two attesters need 0.2 ETH

    result = world.run()

    assert [(w.publisher, w.balance, w.required) for w in result.low_balances] == [
        (P[0], ETH // 10, ETH // 5)
    ]
    assert FOLDER / "prod.json.new" in world.files.files


def test_a_dry_run_plans_and_names_what_a_real_run_writes_but_writes_nothing() -> None:
    world = World(P[:4])
    before = world.snapshot()

    planned = world.run(ha_count=2, dry_run=True)

    assert world.snapshot() == before and world.scraper.writes == 0
    assert planned.dry_run
    done = world.run(ha_count=2)
    assert [w.path for w in planned.keyfiles] == [w.path for w in done.keyfiles]
    assert [w.planned for w in planned.keyfiles] == [w.planned for w in done.keyfiles]
    assert planned.scraper_config == done.scraper_config


def test_a_dry_run_fails_on_what_a_real_run_fails_on() -> None:
    world = World()
    world.chain.set_balance(P[1], 0)
    before = world.snapshot()
    with pytest.raises(CheckFailed, match=f"publisher {P[1]}: balance is 0 ETH"):
        world.run(dry_run=True)
    assert world.snapshot() == before


def test_the_chain_is_not_read_when_the_files_already_fail() -> None:
    world = World([P[0], P[0]])

    problems = refused(world)

    assert problems == [f"{PUBS}: publishers[1]: publisher {P[0]} is repeated (also publishers[0])"]
    assert world.chain.reads == []


def test_problems_of_every_input_file_are_reported_together() -> None:
    world = World()
    del world.files.files[PROD]
    del world.files.files[NEW]

    problems = refused(world, InputError)

    assert problems == [f"{PROD}: file not found", f"{NEW}: file not found"]


def test_an_existing_scraper_config_keeps_states_and_known_coinbases() -> None:
    world = World()
    world.with_scraper_config(
        ScrapedAttester(Address.from_int(0x0DD), coinbase(9), AttesterState.NO_LONGER_ACTIVE),
        ScrapedAttester(attester(3).eth, coinbase(3), AttesterState.ACTIVE),
        ScrapedAttester(attester(1).eth, None, AttesterState.IN_STAKING_QUEUE),
        publishers=(P[9],),
    )

    result = world.run()

    config = world.scraper.files[SCRAPER]
    by_address = {a.address: a for a in config.attesters}
    assert [a.address for a in config.attesters][:3] == [
        Address.from_int(0x0DD),
        attester(3).eth,
        attester(1).eth,
    ]
    assert by_address[Address.from_int(0x0DD)].last_seen_state is AttesterState.NO_LONGER_ACTIVE
    assert (by_address[attester(3).eth].coinbase, by_address[attester(3).eth].last_seen_state) == (
        coinbase(3),
        AttesterState.ACTIVE,
    )
    assert (by_address[attester(1).eth].coinbase, by_address[attester(1).eth].last_seen_state) == (
        coinbase(1),
        AttesterState.IN_STAKING_QUEUE,
    )
    assert by_address[attester(5).eth].last_seen_state is AttesterState.NEW
    assert config.publishers == tuple(P[:3])
    assert result.scraper_attesters_added == 3


def test_a_coinbase_conflict_with_the_scraper_config_is_refused() -> None:
    world = World()
    existing = ScraperConfig(
        1, "devnet", 31337, world.provider_id, (ScrapedAttester(attester(2).eth, coinbase(7)),), (), "x"
    )
    world.scraper.files[SCRAPER] = existing

    problems = refused(world)

    assert problems == [conflict(2, f"scraper config {SCRAPER}", coinbase(7))]


def test_a_scraper_config_of_another_provider_is_refused() -> None:
    world = World()
    world.scraper.files[SCRAPER] = ScraperConfig(1, "devnet", 31337, world.provider_id + 1, (), (), "x")

    (problem,) = refused(world)

    assert "the scraper config is for network devnet, chain 31337, provider 2" in problem


def test_an_exact_output_name_is_never_replaced() -> None:
    world = World(P[:4])
    world.files.files[Path("/out/B_keys.json")] = "already here"

    problems = refused(world, ha_count=2, output=OutputPlace(Path("/out"), "keys.json", exact=True))

    assert problems == [
        "/out/B_keys.json: already exists; prepare-deployment never replaces a file (choose another -o)"
    ]


def test_an_exact_output_name_is_used_as_given() -> None:
    world = World()

    result = world.run(output=OutputPlace(Path("/out"), "keys.json", exact=True))

    assert [w.path for w in result.keyfiles] == [Path("/out/keys.json")]


def test_an_unwritable_target_stops_the_command_before_the_first_keyfile() -> None:
    world = World(P[:4])
    world.files = FakeKeyFiles(world.files.files, unwritable=[FOLDER / "B_prod.json.new"])

    problems = refused(world, ButlerError, ha_count=2)

    assert problems == [f"{FOLDER / 'B_prod.json.new'}: cannot write: the folder is not writable"]


def test_a_chain_that_cannot_be_read_fails_before_anything_is_written() -> None:
    world = World()
    world.chain.fail_reads("node down")

    assert refused(world, ChainError) == ["node down"]


def test_a_scraper_config_that_cannot_be_written_stops_the_command_before_any_keyfile_is_written() -> None:
    world = World()
    world.scraper = FakeJsonDocuments(unwritable=[SCRAPER])

    with pytest.raises(ButlerError) as failed:
        world.run()

    assert failed.value.problems == (f"{SCRAPER}: cannot write: the folder is not writable",)
    assert not world.files.exists(FOLDER / "prod.json.new")


def test_the_production_structure_is_kept_even_with_an_unusual_remote_signer() -> None:
    world = World()
    signer = {"url": "https://signer", "certificate": ["a", 1]}
    world.files.files[PROD] = attrs.evolve(world.keyfile("prod.json"), remote_signer=signer, schema_version=3)

    world.run()

    written = world.keyfile("prod.json.new")
    assert (written.remote_signer, written.schema_version) == (signer, 3)


# A failure while writing: the keyfiles this run created are removed again, newest first.


class ScraperConfigsFailingToWrite(FakeJsonDocuments):
    """Pass every check, then fail the write itself (a full disk)."""

    def write(self, path: Path, config: ScraperConfig) -> None:
        raise ButlerError(f"{path}: cannot write: No space left on device")


def ha_names(suffix: str = ".new", sets: str = "ABC") -> list[Path]:
    return [FOLDER / f"{name}_prod.json{suffix}" for name in sets]


def test_a_keyfile_failing_mid_way_removes_the_ones_before_it_and_leaves_the_scraper_config_alone() -> None:
    world = World(P)
    a, b, _ = ha_names()
    world.files = FakeKeyFiles(world.files.files, fail_creating={b: "No space left on device"})

    problems = refused(world, ButlerError, ha_count=3)

    assert problems == [
        f"{b}: cannot write: No space left on device",
        f"nothing was written: the keyfile(s) already created were removed again ({a})",
    ]


def test_the_only_keyfile_failing_writes_nothing() -> None:
    world = World()
    target = FOLDER / "prod.json.new"
    world.files = FakeKeyFiles(world.files.files, fail_creating={target: "Input/output error"})

    problems = refused(world, ButlerError)

    assert problems == [f"{target}: cannot write: Input/output error", "nothing was written"]


def test_a_scraper_config_failing_to_write_removes_every_keyfile() -> None:
    world = World(P)
    world.scraper = ScraperConfigsFailingToWrite()

    problems = refused(world, ButlerError, ha_count=3)

    created = ", ".join(str(p) for p in ha_names())
    assert problems == [
        f"{SCRAPER}: cannot write: No space left on device",
        f"nothing was written: the keyfile(s) already created were removed again ({created})",
    ]


def test_a_file_appearing_after_the_checks_is_never_replaced_and_the_run_can_simply_be_repeated() -> None:
    world = World(P)
    a, b, _ = ha_names()
    world.files = FakeKeyFiles(world.files.files, appearing={b: "another process's file"})
    before = dict(world.files.files)

    with pytest.raises(CheckFailed) as failed:
        world.run(ha_count=3)

    assert [shown(p) for p in failed.value.problems] == [
        f"{b}: already exists; creating a keyfile never replaces a file",
        f"{b} appeared after the checks; run prepare-deployment again: it picks the next free name",
        f"nothing was written: the keyfile(s) already created were removed again ({a})",
    ]
    assert world.files.files == {**before, b: "another process's file"}
    assert (world.scraper.files, world.scraper.writes) == ({}, 0)

    result = world.run(ha_count=3)

    assert [w.path for w in result.keyfiles] == ha_names(".new2")
    assert world.files.files[b] == "another process's file"


def test_a_file_appearing_at_an_exact_output_name_asks_for_another_name() -> None:
    world = World()
    target = Path("/out/keys.json")
    world.files = FakeKeyFiles(world.files.files, appearing={target: "another process's file"})

    with pytest.raises(CheckFailed) as failed:
        world.run(output=OutputPlace(Path("/out"), "keys.json", exact=True))

    assert [shown(p) for p in failed.value.problems] == [
        f"{target}: already exists; creating a keyfile never replaces a file",
        f"{target} appeared after the checks; choose another -o",
        "nothing was written",
    ]
    assert world.files.files[target] == "another process's file"


def test_a_keyfile_that_cannot_be_removed_again_is_named_as_left_behind() -> None:
    world = World(P)
    a, b, c = ha_names()
    world.files = FakeKeyFiles(
        world.files.files,
        fail_creating={c: "No space left on device"},
        fail_removing={b: "Read-only file system"},
    )

    with pytest.raises(ButlerError) as failed:
        world.run(ha_count=3)

    assert list(failed.value.problems) == [
        f"{c}: cannot write: No space left on device",
        f"{b}: cannot remove: Read-only file system",
        f"left behind, remove by hand: {b}; nothing else was written",
    ]
    assert [p for p in ha_names() if world.files.exists(p)] == [b]
    assert not world.files.exists(a)
    assert (world.scraper.files, world.scraper.writes) == ({}, 0)


class KeyFilesLeavingPartOfAFailedCreate(FakeKeyFiles):
    """A create of `path` that fails and cannot clean up after itself (the disk turned read-only)."""

    def __init__(self, files: dict[Path, object], path: Path) -> None:
        super().__init__(files)
        self._path = path

    def create_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None:
        if path != self._path:
            return super().create_production_keyfile(path, keyfile)
        self.files[path] = keyfile
        raise KeyfileLeftBehind(
            (path,),
            f"{path}: cannot write: Input/output error",
            f"{path}: cannot remove: Read-only file system",
        )


def test_what_a_failed_create_could_not_remove_is_named_as_left_behind() -> None:
    world = World(P)
    a, b, _ = ha_names()
    world.files = KeyFilesLeavingPartOfAFailedCreate(world.files.files, b)

    with pytest.raises(ButlerError) as failed:
        world.run(ha_count=3)

    assert list(failed.value.problems) == [
        f"{b}: cannot write: Input/output error",
        f"{b}: cannot remove: Read-only file system",
        f"left behind, remove by hand: {b}; nothing else was written",
    ]
    assert not world.files.exists(a)


# --- coinbases found on chain ----------------------------------------------------------------------


def test_validators_without_a_coinbase_get_the_one_the_mapping_or_scraper_config_records() -> None:
    world = World()
    world.with_mapping({attester(3).eth: coinbase(3), attester(4).eth: coinbase(4)})
    world.with_scraper_config(
        ScrapedAttester(attester(5).eth, coinbase(5)), ScrapedAttester(attester(1).eth, coinbase(1))
    )

    result = world.run()

    written = world.keyfile("prod.json.new")
    assert [v.coinbase for v in written.validators] == [coinbase(n) for n in (1, 2, 3, 4, 5)]
    assert set(result.plan.filled) == {attester(n).eth for n in (3, 4, 5)}


def test_a_keyfile_coinbase_contradicting_the_mapping_is_refused_and_nothing_written() -> None:
    world = World()
    world.with_mapping({attester(2).eth: coinbase(9), attester(3).eth: coinbase(3)})
    problems = refused(world)
    assert problems == [conflict(2, f"coinbase mapping {MAPPING}", coinbase(9))]


def test_a_mapping_of_another_chain_is_refused() -> None:
    world = World()
    world.with_mapping({attester(3).eth: coinbase(3)}, chain_id=1)
    (problem,) = refused(world)
    assert problem.startswith(f"{MAPPING}: the coinbase mapping is for chain 1,")
