"""`aztec-butler`: the operator CLI. Each command lives in its own module, imported only when run,
so `aztec-butler --help` stays fast and never loads web3."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import attrs

from butler import __version__
from butler.domain.errors import ButlerError
from butler.entrypoints.console import report_error


@attrs.frozen
class Command:
    module: str
    summary: str


COMMANDS = {
    "process-private-keys": Command(
        "butler.entrypoints.process_private_keys_cmd",
        "phase 2: derive public keys from fresh private keys; refuse keys already on chain",
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
$XDG_CONFIG_HOME/aztec-butler/NETWORK.toml with --network NETWORK.
Exit codes: 0 success, 1 a check failed, 2 usage error.
"""


def overview() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    return OVERVIEW.format(commands="\n".join(lines))


def run(argv: Sequence[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        # Without a command it is a usage error, and its overview goes to stderr like every error.
        (sys.stdout if argv else sys.stderr).write(overview())
        return 0 if argv else 2
    if argv[0] == "--version":
        sys.stdout.write(f"aztec-butler {__version__}\n")
        return 0
    name, *rest = argv
    command = COMMANDS.get(name)
    if command is None:
        sys.stderr.write(f"error: unknown command {name!r}; run `aztec-butler --help` for the list\n")
        return 2
    try:
        module = importlib.import_module(command.module)
        return int(module.main(name, rest) or 0)
    except ButlerError as error:
        return report_error(error)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; nothing was written\n")
        return 130


def main() -> None:
    if sys.stdout is None:
        # Started with stdout closed: give descriptor 1 to /dev/null before a file we open could take it.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        code = run(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # Whoever read stdout has gone (e.g. `| head`). Point stdout at /dev/null so that the flush at
        # exit does not raise again and print a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)
