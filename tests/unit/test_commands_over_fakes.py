"""Every command of `aztec-butler` and the scraper's `--once`, run through its composition root over the
in-memory fakes: what the operator sees (stdout, stderr, exit code) and what the fakes then hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from butler.domain.address import Address
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile
from butler.domain.publisher_sets import PublisherSets
from butler.domain.scraper_config import AttesterState
from butler.entrypoints.bootstrap import SecretStoreChoice
from tests.unit.command_world import SAFE, CommandWorld
from tests.unit.deployment_values import deployed, new_keys, production, publisher
from tests.unit.test_add_keys import expected_keystore
from tests.unit.test_process_private_keys import publisher_address, validator, validator_attester
from tests.unit.test_scrape_cycle import keystore

KEYS = Path("new-private-keys.json")
PROD = Path("prod.json")


@pytest.fixture
def world(tmp_path: Path) -> CommandWorld:
    return CommandWorld(tmp_path)


def with_private_keys(world: CommandWorld, *numbers: int) -> None:
    world.key_files.files[KEYS] = PrivateKeysFile(
        schema_version=1, validators=tuple(validator(n) for n in numbers)
    )


# -- config ---------------------------------------------------------------------------------------------


def test_config_init_writes_where_network_finds_it_and_never_shows_the_url(world, capsys):
    code = world.run(
        "config", "init", "-n", "testnet", "--rpc-url", "https://node.example/SECRET", "--provider-id", "7",
        "--safe", str(SAFE),
    )  # fmt: skip
    written = world.folder / "config" / "aztec-butler" / "testnet.toml"
    captured = capsys.readouterr()
    assert code == 0 and captured.out == ""
    assert f"wrote {written} from the preset testnet" in captured.err
    assert "next: every command reads it with --network testnet" in captured.err
    assert "SECRET" not in captured.err
    loaded = world.services().network(None, "testnet")
    assert loaded.path == written and loaded.config.provider_id == 7 and loaded.config.safe_address == SAFE


def test_config_init_off_a_terminal_names_every_missing_flag_and_writes_nothing(world, capsys):
    assert world.run("config", "init", "--network", "testnet") == 2
    assert capsys.readouterr().err == (
        "error: not on a terminal, so nothing can be asked: give --rpc-url, --provider-id, --safe\n"
    )
    assert not (world.folder / "config" / "aztec-butler" / "testnet.toml").exists()


def test_config_presets_lists_every_preset(world, capsys):
    assert world.run("config", "presets") == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["mainnet", "testnet", "testnet-registry2"]


# -- process-private-keys -------------------------------------------------------------------------------


def test_process_private_keys_writes_both_files_in_the_working_folder_and_prints_the_publishers(
    world, capsys
):
    with_private_keys(world, 1, 2)
    assert world.run("process-private-keys", str(KEYS), "-n", "devnet") == 0
    captured = capsys.readouterr()
    assert captured.out == f"{publisher_address(1).checksum}\n{publisher_address(2).checksum}\n"
    public, publishers = world.folder / f"public-{KEYS}", world.folder / f"publishers-{KEYS}"
    assert len(world.key_files.files[public].validators) == 2
    assert world.key_files.files[publishers] == PublisherSets.single(
        (publisher_address(1), publisher_address(2))
    )
    assert [d.public.attester.eth for d in world.secrets.stored] == [validator_attester(n) for n in (1, 2)]
    assert "checked 2 attesters on devnet: none is known on chain or proposed to the Safe yet" in captured.err
    assert world.opened == ["plain"]


def test_process_private_keys_refuses_an_attester_already_queued_and_writes_nothing(world, capsys):
    with_private_keys(world, 1, 2)
    world.chain.enqueue_keys(world.provider_id, [expected_keystore(2)])
    assert world.run("process-private-keys", str(KEYS), "-n", "devnet") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: attester {validator_attester(2)}: already in the provider queue\n"
    assert set(world.key_files.files) == {KEYS} and not world.secrets.stored


def test_process_private_keys_offline_opens_no_chain_and_needs_no_config(tmp_path, capsys):
    world = CommandWorld(tmp_path)
    world.config_path.unlink()
    with_private_keys(world, 1)
    assert world.run("process-private-keys", str(KEYS), "--offline", "-o", "out.json") == 0
    assert "offline: not checking" in capsys.readouterr().err
    assert Path("out.json") in world.key_files.files and world.opened == []


def test_process_private_keys_to_gcp_names_the_secrets_by_network_with_the_environments_credentials(
    world, capsys
):
    with_private_keys(world, 1)
    world.environ["GOOGLE_APPLICATION_CREDENTIALS"] = "/operator/adc.json"
    args = ("--offline", "-n", "testnet", "--secret-store", "gcp", "--gcp-project", "p1")
    assert world.run("process-private-keys", str(KEYS), *args) == 0
    assert world.secret_stores_opened == [
        SecretStoreChoice("gcp", "testnet", "p1", None, "/operator/adc.json")
    ]
    assert capsys.readouterr().out == f"{publisher_address(1).checksum}\n"


# -- add-keys -------------------------------------------------------------------------------------------


def test_add_keys_prints_the_calldata_and_proposes_it_to_the_safe(tmp_path, capsys):
    world = CommandWorld(tmp_path, proposer=True)
    with_private_keys(world, 1, 2)
    assert world.run("add-keys", str(KEYS), "-n", "devnet") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Safe transaction 1 of 1\n")
    [proposal] = world.multisig.posted
    assert f"proposed to Safe {SAFE} at nonce 0: 0x{proposal.safe_tx_hash.hex()}" in captured.err
    assert "add-keys: 2 attesters for provider 1 on devnet, in 1 Safe transaction" in captured.err


def test_add_keys_without_a_proposer_key_prints_the_calldata_and_proposes_nothing(world, capsys):
    with_private_keys(world, 1)
    assert world.run("add-keys", str(KEYS), "-n", "devnet", "--json") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("[\n") and '"operation": 0' in captured.out
    assert "nothing proposed: no Safe proposer key is configured" in captured.err
    assert world.multisig.posted == []


# -- prepare-deployment and fund-publishers -------------------------------------------------------------


def deployment_inputs(world: CommandWorld) -> None:
    world.key_files.files[PROD] = production(deployed(1))
    world.key_files.files[Path("new.json")] = new_keys(2, 3)
    world.key_files.files[Path("publishers.json")] = PublisherSets.single((publisher(1), publisher(2)))


def test_prepare_deployment_writes_the_new_keyfile_and_the_scraper_config(world, capsys):
    deployment_inputs(world)
    for n in (1, 2):
        world.chain.set_balance(publisher(n), 10**18)
    args = ("-p", str(PROD), "-k", "new.json", "-a", "publishers.json", "-n", "devnet")
    assert world.run("prepare-deployment", *args) == 0
    captured = capsys.readouterr()
    written = world.key_files.files[Path("prod.json.new")]
    assert isinstance(written, ProductionKeyfile)
    assert [v.publisher for v in written.validators] == [publisher(1), publisher(2), publisher(1)]
    assert len(world.scraper_configs.files[world.scraper_config_path].attesters) == 3
    assert "wrote prod.json.new: 3 validators over 2 publisher(s)" in captured.err
    assert f"updated {world.scraper_config_path}: 3 attesters (3 added), 2 publishers" in captured.err


def test_prepare_deployment_refuses_a_publisher_without_eth_and_writes_nothing(world, capsys):
    deployment_inputs(world)
    world.chain.set_balance(publisher(1), 10**18)
    args = ("-p", str(PROD), "-k", "new.json", "-a", "publishers.json", "-n", "devnet")
    assert world.run("prepare-deployment", *args) == 1
    assert f"{publisher(2)}" in capsys.readouterr().err
    assert Path("prod.json.new") not in world.key_files.files
    assert world.scraper_config_path not in world.scraper_configs.files


def test_fund_publishers_proposes_one_transaction_topping_every_publisher_up(tmp_path, capsys):
    world = CommandWorld(tmp_path, proposer=True)
    world.key_files.files[PROD] = production(deployed(1), deployed(2))
    world.chain.set_balance(SAFE, 10**18)
    assert world.run("fund-publishers", "--keyfile", str(PROD), "-n", "devnet") == 0
    captured = capsys.readouterr()
    assert "value:     200000000000000000 wei (0.2 ETH)" in captured.out
    assert f"to:        {publisher(0).checksum}" in captured.out
    assert "1 of 1 publishers to fund, 0.2 ETH in total" in captured.err
    [proposal] = world.multisig.posted
    assert world.multisig.pending[proposal.nonce].to == publisher(0)


# -- the monitoring's files -----------------------------------------------------------------------------


def test_generate_scraper_config_lists_the_keyfiles_attesters_and_publishers(world, capsys):
    world.key_files.files[PROD] = production(deployed(1), deployed(2))
    assert world.run("generate-scraper-config", "-p", str(PROD), "-n", "devnet") == 0
    written = world.scraper_configs.files[world.scraper_config_path]
    assert [a.address for a in written.attesters] == [deployed(1).attester.eth, deployed(2).attester.eth]
    assert written.publishers == (publisher(0),) and written.staking_provider_id == 1
    assert capsys.readouterr().err.endswith(
        f"wrote {world.scraper_config_path}: 2 attesters (2 new), 1 publishers, network devnet, chain 31337, "
        "provider 1\n"
    )


def test_queue_stats_shows_where_our_attesters_wait(world, capsys):
    ours = [Address.from_int(0xA1), Address.from_int(0xA2)]
    world.watch(*ours)
    world.chain.enqueue_keys(world.provider_id, [keystore(Address.from_int(0xB1)), *map(keystore, ours)])
    assert world.run("queue-stats", "-n", "devnet") == 0
    assert capsys.readouterr().out.startswith(
        "provider 1 queue: 3 keys, 2 of ours (first at position 1)\nentry queue: 0 deposits, 0 of ours\n"
    )
    assert world.opened == ["aggregated"]


def test_scrape_coinbases_then_fill_coinbases_writes_the_coinbases_into_a_new_keyfile(world, capsys):
    keyfile = production(deployed(1), deployed(2))
    world.key_files.files[PROD] = keyfile
    attesters = [v.attester.eth for v in keyfile.validators]
    world.watch(*attesters)
    world.chain.enqueue_keys(world.provider_id, [keystore(attesters[0])])
    [staked] = world.chain.stake(world.provider_id)

    assert world.run("scrape-coinbases", "-n", "devnet", "--confirmations", "0") == 0
    captured = capsys.readouterr()
    assert (
        captured.out == f"{attesters[0]} {staked.coinbase} block {staked.block_number}\n{attesters[1]} none\n"
    )
    assert world.mappings.files[world.mapping_path].coinbases[attesters[0]].coinbase == staked.coinbase

    assert world.run("fill-coinbases", "--keyfile", str(PROD), "-n", "devnet") == 0
    filled = world.key_files.files[Path("prod.json.new")]
    assert isinstance(filled, ProductionKeyfile)
    assert [v.coinbase for v in filled.validators] == [staked.coinbase, None]
    captured = capsys.readouterr()
    assert captured.err == (
        "wrote prod.json.new: 1 coinbase(s) added to prod.json\n"
        f"prod.json: validator {attesters[1]} still lacks a coinbase\n"
    )


# -- aztec-butler-scraper -------------------------------------------------------------------------------


def test_the_scraper_once_prints_one_cycles_metrics_and_saves_the_new_states(world, capsys):
    queued = Address.from_int(0xA1)
    world.watch(queued)
    world.chain.enqueue_keys(world.provider_id, [keystore(queued)])
    assert world.scrape("--config", str(world.config_path), "--once") == 0
    captured = capsys.readouterr()
    assert 'aztec_butler_scrape_success{network="devnet",scraper="chain"} 1.0' in captured.out
    assert 'aztec_butler_attesters{network="devnet",state="IN_STAKING_PROVIDER_QUEUE"} 1.0' in captured.out
    saved = world.scraper_configs.files[world.scraper_config_path]
    assert saved.attesters[0].last_seen_state is AttesterState.IN_STAKING_PROVIDER_QUEUE
    assert world.opened == ["cycle"]


def test_the_scraper_once_exits_1_when_the_cycle_fails(world, capsys):
    world.watch(Address.from_int(0xA1))
    world.chain.fail_reads("the node is down")
    assert world.scrape("--config", str(world.config_path), "--once") == 1
    captured = capsys.readouterr()
    assert 'aztec_butler_scrape_success{network="devnet",scraper="chain"} 0.0' in captured.out
    assert "scrape failed" in captured.err and "the node is down" in captured.err


def test_the_scraper_takes_its_config_from_the_environment_only_when_set(world, capsys):
    assert world.scrape("--once") == 2
    assert capsys.readouterr().err == (
        "error: no network config: pass --config NETWORK.toml or set AZTEC_BUTLER_CONFIG\n"
    )
    world.environ["AZTEC_BUTLER_CONFIG"] = str(world.config_path)
    world.watch()
    assert world.scrape("--once") == 0
