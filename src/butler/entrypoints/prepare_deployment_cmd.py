"""`aztec-butler prepare-deployment`: phase 3 of the key flow."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from json import dumps
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import UsageError
from butler.entrypoints.console import note, parse_plac, sigterm_as_interrupt
from butler.entrypoints.options import check_ha_count, long_flg, network_options, scraper_config_option

if TYPE_CHECKING:  # the use case is imported when the command runs, so that --help stays fast
    from butler.entrypoints.bootstrap import Services
    from butler.usecases.prepare_deployment import DeploymentRequest, DeploymentResult, OutputPlace


@attrs.frozen
class Options:
    production_keys: Path
    new_public_keys: Path
    available_publishers: Path
    high_availability_count: int | None
    output: str | None
    scraper_config: Path | None
    dry_run: bool
    json: bool
    coinbase_mapping: Path | None
    config: str | None
    network: str | None


@plac.opt(
    "production_keys", "the production keyfile the nodes run now", type=Path, abbrev="p", metavar="FILE"
)
@plac.opt(
    "new_public_keys",
    "public-keys file of the new validators (phase 2)",
    type=Path,
    abbrev="k",
    metavar="FILE",
)
@plac.opt(
    "available_publishers",
    "publisher addresses: a JSON array, or an object of arrays naming each server's set",
    type=Path,
    abbrev="a",
    metavar="FILE",
)
@plac.opt(
    "high_availability_count",
    "K >= 2: cut the publishers into K disjoint sets, one keyfile per set (A_, B_, ...)",
    type=int,
    abbrev="H",
    metavar="K",
)
@plac.opt(
    "output",
    "an existing folder to write into (default names), or the keyfile's path (HA: A_<name>, ... beside it)",
    type=str,
    abbrev="o",
    metavar="PATH",
)
@scraper_config_option("scraper config to update")
@long_flg("dry_run", "plan and check everything (the chain included), name the files; write nothing")
@plac.flg("json", "print the plan on stdout as JSON: keyfiles, publisher loads and balances", abbrev="j")
@plac.opt(
    "coinbase_mapping",
    "coinbase mapping of scrape-coinbases, whose coinbases fill the validators lacking one "
    "(default: $XDG_DATA_HOME/aztec-butler/<network>-coinbases.json)",
    type=Path,
    abbrev="m",
    metavar="PATH",
)
@network_options
def prepare_deployment(
    production_keys: Path | None = None,
    new_public_keys: Path | None = None,
    available_publishers: Path | None = None,
    high_availability_count: int | None = None,
    output: str | None = None,
    scraper_config: Path | None = None,
    dry_run: bool = False,
    json: bool = False,
    coinbase_mapping: Path | None = None,
    config: str | None = None,
    network: str | None = None,
) -> Options:
    """Merge the production and the new validators and assign publishers round-robin (phase 3).

    Validators keep their order: the production keyfile's first, then the new ones; validator i gets
    publisher i mod m, existing validators included. With --high-availability-count K the publishers are
    cut into K contiguous sets (floor(m/K) each, the last takes the rest) and K keyfiles are written,
    A_<name>, B_<name>, ..., each holding every validator over its own set only. A publishers file that
    is an object ({"A": [...], "B": [...]}) names the sets itself: one keyfile per key.

    A validator without a coinbase (absent or zero) gets the one the coinbase mapping or the scraper
    config records for it (scrape-coinbases finds them on chain); one whose coinbase differs from the
    recorded one is an error.

    Everything is checked before anything is written: repeated attesters (address or BLS key), a zero
    coinbase nothing fills, a coinbase contradicting the recorded one, malformed or repeated publishers,
    and every publisher's balance on chain (0 ETH fails; less than min_eth_per_attester per attester it
    serves is a warning). A run writes all its files or none: they are staged under temporary names and
    committed together; a failed write (a full disk, a file another process created meanwhile), Ctrl-C
    or SIGTERM takes them all back, and after a kill or a power loss the next run in the same folder
    first completes or removes the interrupted set.

    Output: <production file>.new beside the production file; an existing file is never replaced, the
    next free suffix (.new2, .new3, ...) is used for the whole set at once. -o DIR writes there under the
    same names; -o PATH (not an existing folder) names the keyfile exactly (HA: A_<name>, ... in PATH's
    folder) and fails if it exists. The scraper config then gains every attester (new ones NEW) and lists
    the publishers of every keyfile written.

    --dry-run runs every check above and prints the plan and the names the files would get, but writes
    nothing. Publishers with 0 ETH: fund them first with `fund-publishers` given the same -p -k -a
    (and -H) as this command.

    example:
      aztec-butler prepare-deployment --production-keys prod-testnet-keyfile.json \\
        --new-public-keys new-public-keys.json \\
        --available-publishers testnet_available_publisher_addresses.json --config testnet.toml
    """
    missing = [
        f"--{name.replace('_', '-')} is required"
        for name, value in (
            ("production_keys", production_keys),
            ("new_public_keys", new_public_keys),
            ("available_publishers", available_publishers),
        )
        if value is None
    ]
    if missing:
        raise UsageError(*missing)
    assert production_keys is not None and new_public_keys is not None and available_publishers is not None
    check_ha_count(high_availability_count)

    return Options(
        production_keys,
        new_public_keys,
        available_publishers,
        high_availability_count,
        output,
        scraper_config,
        dry_run,
        json,
        coinbase_mapping,
        config,
        network,
    )


def run(services: Services, args: Options) -> int:
    from butler.usecases.prepare_deployment import DeploymentRequest, prepare_deployment

    loaded = services.network(args.config, args.network)
    name = loaded.config.network
    request = DeploymentRequest(
        production=args.production_keys,
        new_public_keys=args.new_public_keys,
        publishers=args.available_publishers,
        scraper_config=services.scraper_config_path(args.scraper_config, name),
        output=_output_place(args.output, args.production_keys),
        ha_count=args.high_availability_count,
        coinbase_mapping=services.coinbase_mapping_path(args.coinbase_mapping, name),
    )
    with sigterm_as_interrupt():
        result = prepare_deployment(
            request,
            network=loaded.config,
            files=services.key_files,
            chain=services.chain(loaded),
            scraper_configs=services.scraper_configs,
            writes=services.deployment_writes,
            clock=services.clock,
            dry_run=args.dry_run,
            mappings=services.coinbase_mappings,
            report=note,
        )
    _summary(result, request)
    if args.json:
        sys.stdout.write(dumps(plan_json(result), indent=2) + "\n")
    return 0


def _output_place(output: str | None, production: Path) -> OutputPlace:
    from butler.usecases.prepare_deployment import OutputPlace, default_output

    if output is None:
        return default_output(production)
    path = Path(output)
    if os.path.isdir(path):
        return OutputPlace(folder=path, base=production.name)
    if output.endswith(os.sep) or not path.name:
        raise UsageError(f"{output}: no such folder")
    return OutputPlace(folder=path.parent, base=path.name, exact=True)


def plan_json(result: DeploymentResult) -> dict[str, object]:
    """What the run wrote (or, with --dry-run, would write), for tools: amounts in wei as strings."""
    low = {w.publisher for w in result.low_balances}
    return {
        "dry_run": result.dry_run,
        "validators": len(result.plan.validators),
        "existing": result.plan.existing,
        "new": result.plan.new,
        "keyfiles": [
            {
                "path": str(written.path),
                "set": written.planned.group.name,
                "publishers": [
                    {
                        "address": publisher.checksum,
                        "attesters": load,
                        "balance_wei": str(result.balances[publisher]),
                        "below_target": publisher in low,
                    }
                    for publisher, load in written.planned.loads().items()
                ],
            }
            for written in result.keyfiles
        ],
        "scraper_config": {
            "path": str(result.scraper_config_path),
            "attesters": len(result.scraper_config.attesters),
            "added": result.scraper_attesters_added,
            "publishers": len(result.scraper_config.publishers),
        },
    }


def _summary(result: DeploymentResult, request: DeploymentRequest) -> None:
    from butler.domain.wei import format_eth

    plan = result.plan
    note(
        f"validators: {len(plan.validators)} ({plan.existing} from {request.production.name}, "
        f"{plan.new} new from {request.new_public_keys.name})"
    )
    if plan.filled:
        note(f"coinbases filled in from what is known on chain: {len(plan.filled)}")
    lacking = sum(1 for v in plan.validators if v.coinbase is None or v.coinbase.is_zero)
    if lacking:
        note(f"validators still without a coinbase (not staked yet, or not scraped): {lacking}")
    for written in result.keyfiles:
        loads = written.planned.loads()
        verb = "would write" if result.dry_run else "wrote"
        note(f"{verb} {written.path}: {len(plan.validators)} validators over {len(loads)} publisher(s)")
        for publisher, load in loads.items():
            note(f"  {publisher}  {load} attester(s)  {format_eth(result.balances[publisher])} ETH")
    for low in result.low_balances:
        note(
            f"warning: publisher {low.publisher} holds {format_eth(low.balance)} ETH, less than the "
            f"{format_eth(low.required)} ETH its {low.attesters} attester(s) need; fund-publishers tops it up"
        )
    config = result.scraper_config
    note(
        f"{'would update' if result.dry_run else 'updated'} {result.scraper_config_path}: "
        f"{len(config.attesters)} attesters ({result.scraper_attesters_added} added), "
        f"{len(config.publishers)} publishers"
    )
    if result.dry_run:
        note("--dry-run: every check passed; nothing was written")


def main(services: Callable[[], Services], prog: str, argv: list[str]) -> int:
    """`aztec-butler COMMAND ARGV`: the options parsed, then `services` opened and the command run."""
    options = parse_plac(prepare_deployment, f"aztec-butler {prog}", argv)
    return run(services(), options)
