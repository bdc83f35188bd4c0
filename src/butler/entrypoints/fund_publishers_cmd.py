"""`aztec-butler fund-publishers`: one Safe transaction topping every publisher up to its target."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import Problem, UsageError
from butler.entrypoints.console import note, parse_plac, shown
from butler.entrypoints.options import check_ha_count, long_opt, network_options, scraper_config_option

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.domain.address import Address
    from butler.domain.wei import Wei
    from butler.entrypoints.bootstrap import LoadedNetwork, Services
    from butler.usecases.fund_publishers import Funding
# domain.funding's DEFAULT_THRESHOLD_WEI in ETH, written out: importing the domain to declare an option
# would slow --help (tests/unit/test_fund_publishers.py holds the two equal).
DEFAULT_THRESHOLD_ETH = "0.01"


@attrs.frozen
class Options:
    deployment_inputs: tuple[Path, Path, Path] | None
    """prepare-deployment's -p -k -a, all three or None."""
    high_availability_count: int | None
    keyfile: list[Path] | None
    scraper_config: Path | None
    threshold_wei: Wei
    no_propose: bool
    json: bool
    config: str | None
    network: str | None


@plac.opt(
    "production_keys",
    "with -k and -a: the production keyfile the nodes run now (the inputs of prepare-deployment)",
    type=Path,
    abbrev="p",
    metavar="FILE",
)
@plac.opt(
    "new_public_keys",
    "with -p and -a: public-keys file of the new validators (phase 2)",
    type=Path,
    abbrev="k",
    metavar="FILE",
)
@plac.opt(
    "available_publishers",
    "with -p and -k: the publisher addresses prepare-deployment will assign",
    type=Path,
    abbrev="a",
    metavar="FILE",
)
@plac.opt(
    "high_availability_count",
    "K >= 2: the publishers are cut into K sets, as prepare-deployment -H K does",
    type=int,
    abbrev="H",
    metavar="K",
)
@long_opt(
    "keyfile",
    "instead: production keyfile(s) already written; give every file of an HA set (repeat or list several)",
    type=Path,
    metavar="FILE",
)
@scraper_config_option("instead: scraper config whose attesters name their publishers", default=False)
@plac.opt(
    "threshold",
    f"skip top-ups smaller than this many ETH (default {DEFAULT_THRESHOLD_ETH})",
    abbrev="t",
    metavar="ETH",
)
@plac.flg("no_propose", "only print the transaction; do not propose it to the Safe", abbrev="P")
@plac.flg("json", "print the transaction as a JSON list of {to, value, data, operation}", abbrev="j")
@network_options
def fund_publishers(
    production_keys: Path | None = None,
    new_public_keys: Path | None = None,
    available_publishers: Path | None = None,
    high_availability_count: int | None = None,
    keyfile: list[Path] | None = None,
    scraper_config: Path | None = None,
    threshold: str | None = None,
    no_propose: bool = False,
    json: bool = False,
    config: str | None = None,
    network: str | None = None,
) -> Options:
    """Top every publisher up to (attesters it publishes for) x min_eth_per_attester, in ONE Safe transaction.

    The loads come from exactly one of:
      - prepare-deployment's inputs (-p P -k N -a A [-H K]): the very plan prepare-deployment makes from
        them, so new publishers are funded BEFORE the deployment (prepare-deployment refuses 0-ETH
        publishers); run it with the same arguments you will give prepare-deployment;
      - the production keyfiles already written (--keyfile, every file of an HA set);
      - the scraper config (--scraper-config); when no attester in it names its publishers (a config
        built from web3signer keys) the attesters are assumed spread evenly over the publishers.
    All balances are read in one batch. Each publisher below its target is sent exactly the difference,
    unless that is less than --threshold (default 0.01 ETH: dust is not worth a signature). The
    transfers form one Safe transaction: a MultiSendCallOnly batch (delegatecall), or a plain transfer
    for a single publisher. A summary table goes to stderr; the transaction to stdout, always, even when
    proposing then fails. It is proposed to the Safe when a proposer key is configured, unless
    --no-propose. Nothing to fund: says so, proposes nothing.

    examples:
      aztec-butler fund-publishers -p prod-keyfile.json -k public-new-private-keys.json \\
          -a publishers-new-private-keys.json -n testnet
      aztec-butler fund-publishers --keyfile A_prod-keyfile.json.new B_prod-keyfile.json.new -c mainnet.toml
      aztec-butler fund-publishers --scraper-config ~/.local/share/aztec-butler/mainnet-scrape-config.json \\
          --threshold 0.05 --no-propose --json -n mainnet
    """
    threshold_wei = _threshold(threshold)
    phase3 = _phase3_inputs(production_keys, new_public_keys, available_publishers, high_availability_count)
    sources = sum(1 for given in (phase3, keyfile, scraper_config) if given is not None)
    if sources != 1:
        raise UsageError(
            "give exactly one source of loads: --production-keys/--new-public-keys/--available-publishers, "
            "--keyfile FILE ..., or --scraper-config PATH"
        )
    if keyfile is not None:
        _refuse_repeated_paths(keyfile)
    return Options(
        phase3,
        high_availability_count,
        keyfile,
        scraper_config,
        threshold_wei,
        no_propose,
        json,
        config,
        network,
    )


def run(services: Services, args: Options) -> int:
    from butler.entrypoints.calldata_output import print_calls
    from butler.entrypoints.funding_table import summary
    from butler.usecases.fund_publishers import plan_publisher_funding

    loaded = services.network(args.config, args.network)
    network_config = loaded.config
    funding = plan_publisher_funding(
        _loads(services, args, loaded),
        services.chain(loaded),
        wei_per_attester=network_config.min_wei_per_attester,
        threshold=args.threshold_wei,
        safe=network_config.safe_address,
    )
    if funding.plan.publishers:
        note(summary(funding.plan))
        why = "every publisher is at its target or short by less than the threshold"
    else:
        why = "no publisher is named in the given files"
    if funding.transaction is None:
        if args.json:
            print_calls([], as_json=True)
        note(f"nothing to fund: {why}; nothing proposed")
        return 0
    if funding.safe_short:
        _warn(_safe_short(funding))
    print_calls([funding.transaction], as_json=args.json)
    return _propose(services, loaded, funding, no_propose=args.no_propose)


def _loads(services: Services, args: Options, loaded: LoadedNetwork) -> dict[Address, int]:
    from butler.usecases.fund_publishers import (
        loads_from_deployment_inputs,
        loads_from_keyfiles,
        loads_from_scraper_config,
    )

    if args.deployment_inputs is not None:
        production, new, publishers = args.deployment_inputs
        return loads_from_deployment_inputs(
            production, new, publishers, services.key_files, ha_count=args.high_availability_count
        )
    if args.keyfile is not None:
        return loads_from_keyfiles(args.keyfile, services.key_files)
    assert args.scraper_config is not None
    return loads_from_scraper_config(
        args.scraper_config,
        services.scraper_configs,
        network=loaded.config.network,
        chain_id=loaded.config.chain_id,
        warn=_warn,
    )


def _propose(services: Services, loaded: LoadedNetwork, funding: Funding, *, no_propose: bool) -> int:
    from butler.entrypoints.calldata_output import report_proposals
    from butler.usecases.fund_publishers import propose_funding

    if no_propose:
        note("--no-propose: not proposed; a Safe owner can propose the transaction above")
        return 0
    # Opened only now: whatever stops the proposal, the transaction is already on stdout.
    multisig = services.multisig(loaded, printed="the transaction above")
    if multisig is None:
        note(
            "no Safe proposer key configured (safe_proposer_key_file in the config, or "
            "$AZTEC_BUTLER_SAFE_PROPOSER_KEY): not proposed; a Safe owner can propose the transaction above"
        )
        return 0
    report_proposals([propose_funding(funding, multisig)], safe=multisig.safe())
    return 0


def _phase3_inputs(
    production: Path | None, new: Path | None, publishers: Path | None, ha_count: int | None
) -> tuple[Path, Path, Path] | None:
    """The three prepare-deployment inputs, all or none of them (-H only with them)."""
    given = (production, new, publishers)
    if all(path is None for path in given):
        if ha_count is not None:
            raise UsageError(
                "--high-availability-count goes with --production-keys, --new-public-keys "
                "and --available-publishers"
            )
        return None
    missing = [
        f"--{name} is required with the other prepare-deployment inputs"
        for name, path in zip(
            ("production-keys", "new-public-keys", "available-publishers"), given, strict=True
        )
        if path is None
    ]
    if missing:
        raise UsageError(*missing)
    check_ha_count(ha_count)
    assert production is not None and new is not None and publishers is not None
    return production, new, publishers


def _threshold(text: str | None) -> Wei:
    from butler.domain.funding import DEFAULT_THRESHOLD_WEI
    from butler.domain.wei import EthAmountError, parse_eth

    if text is None:
        return DEFAULT_THRESHOLD_WEI
    try:
        return parse_eth(text)
    except EthAmountError as exc:
        raise UsageError(f"--threshold: {exc}") from None


def _refuse_repeated_paths(paths: Sequence[Path]) -> None:
    seen: dict[str, Path] = {}
    for path in paths:
        real = os.path.realpath(path)
        if real in seen:
            raise UsageError(
                f"--keyfile: {path} is given twice (as {seen[real]}); its publishers would count twice"
            )
        seen[real] = path


def _warn(message: str | Problem) -> None:
    note(f"warning: {shown(message)}")


def _safe_short(funding: Funding) -> str:
    from butler.domain.wei import format_eth

    return (
        f"the Safe {funding.safe} holds {format_eth(funding.safe_balance or 0)} ETH, less than the "
        f"{format_eth(funding.plan.total)} ETH this transaction sends: fund the Safe before executing it"
    )


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(fund_publishers, f"aztec-butler {prog}", argv, repeatable=("keyfile",))
    return run(services(), options)
