"""`aztec-butler`: the operator CLI. Each command lives in its own module, imported only when run,
so `aztec-butler --help` stays fast and never loads web3. A command module's `main(services, prog,
argv)` parses its options, then opens the services (`bootstrap`) and hands both to its
`run(services, options)`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from butler import __version__
from butler.entrypoints.console import CommandRunner, dispatch, exit_with

if TYPE_CHECKING:
    from butler.entrypoints.bootstrap import Services


@attrs.frozen
class Command:
    module: str
    summary: str


COMMANDS = {
    "config": Command(
        "butler.entrypoints.config_cmd",
        "config init --network NAME: a network config from a preset (testnet, testnet-registry2, mainnet)",
    ),
    "process-private-keys": Command(
        "butler.entrypoints.process_private_keys_cmd",
        "phase 2: public keys and publisher addresses from fresh private keys; refuse keys on chain",
    ),
    "prepare-deployment": Command(
        "butler.entrypoints.prepare_deployment_cmd",
        "phase 3: new keyfile(s) with publishers assigned (optionally HA sets); updates the scraper config",
    ),
    "add-keys": Command(
        "butler.entrypoints.add_keys_cmd",
        "phase 5: addKeysToProvider calldata for new attesters, proposed to the provider's Safe",
    ),
    "fund-publishers": Command(
        "butler.entrypoints.fund_publishers_cmd",
        "one Safe transaction topping every publisher up to attesters x min ETH per attester",
    ),
    "generate-scraper-config": Command(
        "butler.entrypoints.generate_scraper_config_cmd",
        "the monitoring's attesters and publishers from keyfiles, web3signer keys and publisher keys",
    ),
    "queue-stats": Command(
        "butler.entrypoints.queue_stats_cmd",
        "provider and entry queues: our keys in them, the flush schedule and each queued attester's ETA",
    ),
    "scrape-coinbases": Command(
        "butler.entrypoints.scrape_coinbases_cmd",
        "attester -> coinbase from StakedWithProvider events, incrementally; checks recorded coinbases",
    ),
    "fill-coinbases": Command(
        "butler.entrypoints.fill_coinbases_cmd",
        "new copies (.newN) of keyfiles with every coinbase found on chain filled in",
    ),
}

OVERVIEW = f"""\
usage: aztec-butler COMMAND [ARGS...]
       aztec-butler COMMAND --help

Operator CLI for an Aztec staking provider (version {__version__}).
Private keys are read only by the commands that need them and are never written to disk.

commands:
{{commands}}

Network settings come from a TOML file: --config PATH, or $AZTEC_BUTLER_CONFIG, or
$XDG_CONFIG_HOME/aztec-butler/NETWORK.toml with --network NETWORK
(`aztec-butler config init --network NETWORK` writes one from a preset).
Exit codes: 0 success, 1 a check failed, 2 usage error.
"""


def overview() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    return OVERVIEW.format(commands="\n".join(lines))


def run(argv: Sequence[str], services: Services | None = None) -> int:
    """Run `aztec-butler ARGV`; without `services`, over the real adapters and this process's
    environment and working folder."""
    if argv and argv[0] == "--version":
        sys.stdout.write(f"aztec-butler {__version__}\n")
        return 0

    def find(name: str) -> CommandRunner | None:
        command = COMMANDS.get(name)
        if command is None:
            return None
        module = importlib.import_module(command.module)

        def open_services() -> Services:
            # Only once the options parse: --help imports none of this.
            from butler.entrypoints.bootstrap import build_services, process_settings

            return services or build_services(process_settings())

        def run_command(prog: str, rest: list[str]) -> int:
            code: int = module.main(open_services, prog, rest)
            return code

        return run_command

    return dispatch("aztec-butler", overview(), find, argv)


def main() -> None:
    exit_with(run)
