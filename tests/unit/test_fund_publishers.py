"""fund-publishers over fakes: loads from keyfiles or the scraper config, balances read in one batch,
one Safe transaction proposed, and what the owners executing it leave behind. Plus the command's usage
errors, which come before any config or network is touched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from butler.domain.address import Address
from butler.domain.errors import CheckFailed, InputError, Problem
from butler.domain.funding import DEFAULT_THRESHOLD_WEI, Skipped
from butler.domain.keyfiles import DeployedValidator, FeeRecipient, ProductionKeyfile, PublicAttester
from butler.domain.keys import BlsSecretKey, bls_public_key
from butler.domain.publisher_sets import PublisherSets
from butler.domain.safe import Operation, SafeCall, multisend_calls
from butler.domain.scraper_config import AttesterState, ScrapedAttester, ScraperConfig
from butler.domain.wei import WEI_PER_ETH as ETH
from butler.entrypoints.cli import run
from butler.entrypoints.console import shown
from butler.ports.chain_fake import FakeChain
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files_fake import FakeKeyFiles
from butler.ports.multisig_fake import FakeMultisig
from butler.usecases.fund_publishers import (
    Funding,
    loads_from_deployment_inputs,
    loads_from_keyfiles,
    loads_from_scraper_config,
    plan_publisher_funding,
    propose_funding,
)
from tests.unit.command_world import real_services

PER_ATTESTER = ETH // 10
SAFE = Address.from_int(0x5AFE)
A_FILE, B_FILE = Path("/deploy/A_prod.json.new"), Path("/deploy/B_prod.json.new")
SCRAPER = Path("/data/devnet-scrape-config.json")
P = [Address.from_int(0x9B_0000 + n) for n in range(5)]


def attester(n: int) -> PublicAttester:
    return PublicAttester(eth=Address.from_int(0xA77E_0000 + n), bls=bls_public_key(BlsSecretKey(n)))


def keyfile(*pairs: tuple[int, Address]) -> ProductionKeyfile:
    return ProductionKeyfile(
        schema_version=1,
        remote_signer={"remoteSignerUrl": "https://signer.example"},
        validators=tuple(
            DeployedValidator(attester(n), publisher, None, FeeRecipient(bytes(32))) for n, publisher in pairs
        ),
    )


def ha_set() -> FakeKeyFiles:
    """Four attesters over two HA files: A uses P0 (3) and P1 (1); B uses P2 (2) and P3 (2)."""
    return FakeKeyFiles(
        {
            A_FILE: keyfile((1, P[0]), (2, P[1]), (3, P[0]), (4, P[0])),
            B_FILE: keyfile((1, P[2]), (2, P[3]), (3, P[2]), (4, P[3])),
        }
    )


def plan(chain: FakeChain, loads, *, threshold: int = DEFAULT_THRESHOLD_WEI, safe=SAFE) -> Funding:
    return plan_publisher_funding(loads, chain, wei_per_attester=PER_ATTESTER, threshold=threshold, safe=safe)


def execute(call: SafeCall, chain: FakeChain) -> None:
    """What the Safe does with the transaction: each transfer credits its recipient."""
    inner = multisend_calls(call.data) if call.operation is Operation.DELEGATE_CALL else (call,)
    for transfer in inner:
        chain.fund(transfer.to, transfer.value)


def test_the_keyfiles_of_an_ha_set_give_each_publisher_its_own_load():
    assert loads_from_keyfiles([A_FILE, B_FILE], ha_set()) == {P[0]: 3, P[1]: 1, P[2]: 2, P[3]: 2}


def test_a_missing_keyfile_fails_with_its_name():
    with pytest.raises(InputError, match=str(B_FILE)):
        loads_from_keyfiles([A_FILE, B_FILE], FakeKeyFiles({A_FILE: keyfile((1, P[0]))}))


def test_three_publishers_below_target_and_one_above_make_one_batch_that_tops_them_up_exactly():
    chain = FakeChain()
    chain.set_balance(P[0], ETH // 10)  # target 0.3
    chain.set_balance(P[1], ETH)  # target 0.1: above
    chain.set_balance(P[2], 0)  # target 0.2
    chain.set_balance(P[3], ETH // 20)  # target 0.2
    chain.set_balance(SAFE, 10 * ETH)
    loads = loads_from_keyfiles([A_FILE, B_FILE], ha_set())
    multisig = FakeMultisig(SAFE)

    funding = plan(chain, loads)
    proposal = propose_funding(funding, multisig)

    assert chain.reads == ["balances"]
    assert funding.safe_balance == 10 * ETH and not funding.safe_short
    assert [p.skipped for p in funding.plan.publishers] == [None, Skipped.AT_TARGET, None, None]
    assert len(multisig.posted) == 1 and proposal.call == funding.transaction
    assert funding.transaction is not None and funding.transaction.operation is Operation.DELEGATE_CALL

    execute(multisig.execute_next(), chain)
    after = chain.balances(P[:4])
    assert after == {P[0]: 3 * PER_ATTESTER, P[1]: ETH, P[2]: 2 * PER_ATTESTER, P[3]: 2 * PER_ATTESTER}
    assert plan(chain, loads).transaction is None


def test_one_publisher_to_fund_is_a_plain_transfer():
    chain = FakeChain()
    chain.set_balance(P[0], 0)
    chain.set_balance(P[1], ETH)
    funding = plan(chain, {P[0]: 2, P[1]: 1})
    assert funding.transaction == SafeCall(P[0], 2 * PER_ATTESTER, b"", Operation.CALL)


def test_proposing_the_same_funding_again_is_reported_as_already_pending():
    chain = FakeChain()
    funding = plan(chain, {P[0]: 1, P[1]: 1})
    multisig = FakeMultisig(SAFE)
    first = propose_funding(funding, multisig)
    again = propose_funding(plan(chain, {P[0]: 1, P[1]: 1}), multisig)
    assert not first.already_pending and again.already_pending
    assert (again.nonce, again.safe_tx_hash) == (first.nonce, first.safe_tx_hash)
    assert len(multisig.posted) == 1


def test_nothing_to_fund_has_no_transaction():
    chain = FakeChain()
    chain.set_balance(P[0], PER_ATTESTER)
    chain.set_balance(P[1], PER_ATTESTER - DEFAULT_THRESHOLD_WEI + 1)
    funding = plan(chain, {P[0]: 1, P[1]: 1})
    assert funding.transaction is None and not funding.safe_short
    with pytest.raises(ValueError, match="nothing to propose"):
        propose_funding(funding, FakeMultisig(SAFE))


def test_a_safe_holding_less_than_the_total_is_flagged():
    chain = FakeChain()
    chain.set_balance(SAFE, PER_ATTESTER)
    funding = plan(chain, {P[0]: 1, P[1]: 1})
    assert funding.plan.total == 2 * PER_ATTESTER and funding.safe_short


def test_without_a_known_safe_only_the_publishers_are_read():
    chain = FakeChain()
    funding = plan(chain, {P[0]: 1}, safe=None)
    assert funding.safe_balance is None and not funding.safe_short
    assert chain.reads == ["balances"]


# --- from the scraper config -------------------------------------------------------------------


def scraper_config(*attesters: ScrapedAttester, publishers=(), network="devnet", chain_id=31337):
    return ScraperConfig(1, network, chain_id, 1, attesters, tuple(publishers), "2026-01-01T00:00:00Z")


def read_loads(config: ScraperConfig) -> tuple[dict[Address, int], list[str | Problem]]:
    warnings: list[str | Problem] = []
    loads = loads_from_scraper_config(
        SCRAPER,
        FakeJsonDocuments({SCRAPER: config}),
        network="devnet",
        chain_id=31337,
        warn=warnings.append,
    )
    return loads, warnings


def test_the_scraper_config_gives_loads_for_every_listed_publisher():
    config = scraper_config(
        ScrapedAttester(attester(1).eth, publishers=(P[0], P[2])),
        ScrapedAttester(attester(2).eth, publishers=(P[1], P[2])),
        ScrapedAttester(attester(3).eth, None, AttesterState.ACTIVE, publishers=(P[0], P[3])),
        publishers=P,
    )
    loads, warnings = read_loads(config)
    assert loads == {P[0]: 2, P[1]: 1, P[2]: 2, P[3]: 1, P[4]: 0}
    assert warnings == []


def test_a_scraper_config_of_another_network_is_refused():
    with pytest.raises(
        CheckFailed,
        match=f"{SCRAPER}: the scraper config is for network mainnet, chain 1; "
        "this run is for network devnet, chain 31337",
    ):
        read_loads(scraper_config(network="mainnet", chain_id=1))


def test_a_scraper_config_without_any_publisher_assignment_assumes_an_even_split_and_says_so():
    config = scraper_config(
        *(ScrapedAttester(attester(n).eth) for n in range(1, 6)),
        ScrapedAttester(attester(6).eth, None, AttesterState.NO_LONGER_ACTIVE),
        publishers=P[:2],
    )
    loads, warnings = read_loads(config)
    assert loads == {P[0]: 3, P[1]: 3}  # five attesters still counted, over two publishers
    assert [shown(w) for w in warnings] == [
        f"{SCRAPER}: no attester names its publishers: assuming the attesters split evenly over the 2 "
        "publishers (attesters / publishers, rounded up); pass the deployment's keyfiles with --keyfile "
        "for the exact loads"
    ]


def test_attesters_without_publishers_beside_others_are_warned_about():
    config = scraper_config(
        ScrapedAttester(attester(1).eth, publishers=(P[0],)),
        ScrapedAttester(attester(2).eth),
        publishers=P[:1],
    )
    loads, warnings = read_loads(config)
    assert loads == {P[0]: 1}
    assert warnings == [
        f"{SCRAPER}: 1 of 2 attesters name no publisher; they are not counted in any publisher's target"
    ]


# --- the command's usage errors (before any config or network) -----------------------------------


ONE_SOURCE = (
    "give exactly one source of loads: --production-keys/--new-public-keys/--available-publishers, "
    "--keyfile FILE ..., or --scraper-config PATH"
)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ([], ONE_SOURCE),
        (["--keyfile", "a.json", "-s", "c.json"], ONE_SOURCE),
        (["-p", "p.json", "-k", "n.json", "-a", "a.json", "-s", "c.json"], ONE_SOURCE),
        (
            ["-p", "p.json", "-a", "a.json"],
            "--new-public-keys is required with the other prepare-deployment inputs",
        ),
        (
            ["-s", "c.json", "-H", "2"],
            "--high-availability-count goes with --production-keys, --new-public-keys and "
            "--available-publishers",
        ),
        (
            ["-p", "p.json", "-k", "n.json", "-a", "a.json", "-H", "1"],
            "--high-availability-count must be between 2 and 26",
        ),
        (["--keyfile", "a.json", "--threshold", "-0.5"], "--threshold: must not be negative"),
        (
            ["--keyfile", "a.json", "--threshold", "1e-3"],
            "--threshold: expected a decimal amount of ETH such as 0.05 (digits and one point only)",
        ),
        (
            ["--keyfile", "a.json", "--keyfile", "sub/../a.json"],
            "--keyfile: sub/../a.json is given twice (as a.json); its publishers would count twice",
        ),
        (
            ["--keyfile", "a.json", "b.json", "a.json"],
            "--keyfile: a.json is given twice (as a.json); its publishers would count twice",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, problem, capsys, tmp_path):
    """Refused before any file is read: the network config named does not even exist."""
    environ = {"AZTEC_BUTLER_CONFIG": str(tmp_path / "no-such-config.toml")}
    code = run(["fund-publishers", *args], real_services(tmp_path, **environ))
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines() == [f"error: {problem}"]
    assert captured.out == ""


# --- from prepare-deployment's own inputs: fund first, then deploy --------------------------------


@pytest.mark.parametrize("ha_count", [None, 2])
def test_funding_from_the_deployment_inputs_lets_prepare_deployment_pass_with_no_warning(ha_count):
    from butler.ports.clock_fake import FixedClock
    from butler.ports.deployment_writes_fake import FakeDeploymentWrites
    from butler.usecases.prepare_deployment import DeploymentRequest, default_output, prepare_deployment
    from tests.unit.deployment_values import deployed, devnet_network, new_keys, production

    prod, new, pubs = Path("/ops/prod.json"), Path("/ops/public-new.json"), Path("/ops/publishers-new.json")
    files = FakeKeyFiles(
        {
            prod: production(deployed(1), deployed(2), deployed(3)),
            new: new_keys(4, 5, 6, 7),
            pubs: PublisherSets.single(tuple(P[:4])),
        }
    )
    chain = FakeChain(chain_id=31337)  # every publisher holds 0 ETH
    chain.set_balance(SAFE, 10 * ETH)
    network = devnet_network(chain.add_provider(SAFE))
    request = DeploymentRequest(prod, new, pubs, SCRAPER, default_output(prod), ha_count)

    def deploy():
        configs = FakeJsonDocuments()
        return prepare_deployment(
            request,
            network=network,
            files=files,
            chain=chain,
            scraper_configs=configs,
            writes=FakeDeploymentWrites(files, configs),
            clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
        )

    with pytest.raises(CheckFailed, match="balance is 0 ETH"):
        deploy()
    loads = loads_from_deployment_inputs(prod, new, pubs, files, ha_count=ha_count)
    # Seven validators round-robin over the four publishers, or over two sets of two each.
    assert loads == (
        {P[0]: 2, P[1]: 2, P[2]: 2, P[3]: 1} if ha_count is None else {P[0]: 4, P[1]: 3, P[2]: 4, P[3]: 3}
    )
    funding = plan(chain, loads)
    assert funding.transaction is not None
    execute(funding.transaction, chain)

    result = deploy()
    assert result.low_balances == ()
    assert result.plan.loads() == loads


def test_the_deployment_inputs_problems_are_those_prepare_deployment_reports():
    prod, new, pubs = Path("/ops/prod.json"), Path("/ops/new.json"), Path("/ops/pubs.json")
    with pytest.raises(InputError) as failed:
        loads_from_deployment_inputs(prod, new, pubs, FakeKeyFiles(), ha_count=None)
    assert failed.value.problems == tuple(f"{path}: file not found" for path in (prod, new, pubs))


def test_the_help_names_the_default_threshold_the_command_applies():
    from butler.domain.wei import format_eth
    from butler.entrypoints.fund_publishers_cmd import DEFAULT_THRESHOLD_ETH

    assert format_eth(DEFAULT_THRESHOLD_WEI) == DEFAULT_THRESHOLD_ETH
