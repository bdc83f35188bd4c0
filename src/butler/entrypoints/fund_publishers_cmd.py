"""`aztec-butler fund-publishers`: one Safe transaction topping every publisher up to its target."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.config import NetworkConfig, SecretSources
from butler.domain.errors import Problem, UsageError
from butler.domain.wei import Wei, format_eth, format_eth_rounded
from butler.entrypoints.console import note, run_plac, shown
from butler.entrypoints.options import check_ha_count, long_opt, network_options, scraper_config_option

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.domain.funding import FundingPlan
    from butler.ports.chain import Chain
    from butler.ports.json_documents import ScraperConfigFiles
    from butler.ports.key_files import KeyFiles
    from butler.ports.multisig import Multisig
    from butler.usecases.fund_publishers import Funding

TABLE_DECIMALS = 6
# domain.funding's DEFAULT_THRESHOLD_WEI in ETH, written out: importing the domain to declare an option
# would slow --help (tests/unit/test_fund_publishers.py holds the two equal).
DEFAULT_THRESHOLD_ETH = "0.01"


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
) -> int:
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
    from butler.entrypoints.calldata_output import print_calls, report_proposals
    from butler.usecases.fund_publishers import (
        loads_from_deployment_inputs,
        loads_from_keyfiles,
        loads_from_scraper_config,
        plan_publisher_funding,
        propose_funding,
    )

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
    _, network_config, secrets = _load_config(config, network)

    if phase3 is not None:
        loads = loads_from_deployment_inputs(
            phase3[0], phase3[1], phase3[2], _key_files(), ha_count=high_availability_count
        )
    elif keyfile is not None:
        loads = loads_from_keyfiles(keyfile, _key_files())
    else:
        assert scraper_config is not None
        loads = loads_from_scraper_config(
            scraper_config,
            _scraper_config_files(),
            network=network_config.network,
            chain_id=network_config.chain_id,
            warn=_warn,
        )
    funding = plan_publisher_funding(
        loads,
        _chain(network_config),
        wei_per_attester=network_config.min_wei_per_attester,
        threshold=threshold_wei,
        safe=network_config.safe_address,
    )

    if funding.plan.publishers:
        note(summary(funding.plan))
        why = "every publisher is at its target or short by less than the threshold"
    else:
        why = "no publisher is named in the given files"
    if funding.transaction is None:
        if json:
            print_calls([], as_json=True)
        note(f"nothing to fund: {why}; nothing proposed")
        return 0
    if funding.safe_short:
        _warn(_safe_short(funding))
    print_calls([funding.transaction], as_json=json)
    if no_propose:
        note("--no-propose: not proposed; a Safe owner can propose the transaction above")
        return 0
    # Opened only now: whatever stops the proposal, the transaction is already on stdout.
    multisig = _multisig(network_config, secrets)
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


def summary(plan: FundingPlan) -> str:
    """A table of every publisher (balance, target, top-up in ETH, decimal points aligned) and a
    closing line with the total."""
    header = ("publisher", "attesters", "balance ETH", "target ETH", "top-up ETH", "")
    amounts = [
        _aligned(column)
        for column in zip(
            *(
                (_eth(p.balance), _eth(p.target), _eth(p.top_up) if p.skipped is None else "-")
                for p in plan.publishers
            ),
            strict=True,
        )
    ] or [[], [], []]
    rows = [
        (p.publisher.checksum, str(p.attesters), *cells, p.skipped.value if p.skipped is not None else "")
        for p, *cells in zip(plan.publishers, *amounts, strict=True)
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i in (0, len(header) - 1) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in (header, *rows)
    ]
    lines.append(
        f"{len(plan.funded)} of {len(plan.publishers)} publishers to fund, {format_eth(plan.total)} ETH in "
        f"total ({format_eth(plan.wei_per_attester)} ETH per attester; top-ups under "
        f"{format_eth(plan.threshold)} ETH skipped)"
    )
    return "\n".join(lines)


def _aligned(cells: Sequence[str]) -> list[str]:
    """Cells padded on the right so that, right-aligned, their decimal points line up."""
    decimals = [len(cell.partition(".")[2]) + 1 if "." in cell else 0 for cell in cells]
    widest = max(decimals, default=0)
    return [cell + " " * (widest - n) for cell, n in zip(cells, decimals, strict=True)]


def _eth(wei: int) -> str:
    return format_eth_rounded(wei, TABLE_DECIMALS)


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
    return (
        f"the Safe {funding.safe} holds {format_eth(funding.safe_balance or 0)} ETH, less than the "
        f"{format_eth(funding.plan.total)} ETH this transaction sends: fund the Safe before executing it"
    )


def _load_config(config: str | None, network: str | None) -> tuple[Path, NetworkConfig, SecretSources]:
    from butler.entrypoints.network import load_config

    return load_config(config, network)


def _multisig(config: NetworkConfig, secrets: SecretSources) -> Multisig | None:
    from butler.entrypoints.network import open_multisig

    return open_multisig(config, secrets, printed="the transaction above")


def _chain(config: NetworkConfig) -> Chain:
    from butler.entrypoints.network import open_chain

    return open_chain(config)


def _key_files() -> KeyFiles:
    from butler.adapters.files.key_files import LocalKeyFiles

    return LocalKeyFiles()


def _scraper_config_files() -> ScraperConfigFiles:
    from butler.adapters.files.json_documents import local_scraper_config_files

    return local_scraper_config_files()


def main(prog: str, argv: list[str]) -> int:
    return run_plac(fund_publishers, f"aztec-butler {prog}", argv, repeatable=("keyfile",))
