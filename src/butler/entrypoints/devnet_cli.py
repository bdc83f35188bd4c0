"""`aztec-butler-devnet`: run a local devnet (anvil + the real Aztec L1 contracts and Safe + our
StakingRegistry stand-in + a Safe Transaction Service stand-in) and act on it. `up` lives here; the
commands acting on a running devnet live in `devnet_commands`."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.errors import ButlerError, UsageError
from butler.entrypoints.console import CommandRunner, dispatch, exit_with, run_plac
from butler.entrypoints.devnet_commands import (
    add_keys,
    address,
    execute_pending,
    exit_,
    finalize,
    flush,
    fund,
    progress,
    say,
    slash,
    stake,
)
from butler.entrypoints.options import long_opt

if TYPE_CHECKING:  # the devnet and web3 load only for the commands that need them
    from butler.devnet.runner import RunningDevnet

OVERVIEW = """\
usage: aztec-butler-devnet COMMAND [ARGS...]
       aztec-butler-devnet COMMAND --help

A local devnet for aztec-butler: anvil with the real Aztec L1 contracts (Registry, Rollup, GSE,
governance, ...) and Safe 1.4.1, a stand-in for the StakingRegistry, and a Safe Transaction Service
stand-in. Everything runs on 127.0.0.1; the keys involved are anvil's public test keys.

commands:
  up               start a devnet, write devnet.toml + devnet-proposer.key, run until Ctrl-C
  fund             send ETH from a dev account to addresses
  add-keys         queue N generated test validators, or those of a private-keys file, for
                   provider 1 (via the Safe)
  stake            a delegator stakes N times with provider 1 (provider queue -> entry queue)
  flush            move N entry-queue heads into the real GSE (-> VALIDATING or rejected);
                   moves the clock to the next flushable epoch when needed
  exit             start an attester's exit (-> EXITING)
  finalize         finish an exit after the exit delay, moving the clock (-> NONE)
  slash            slash an attester below the ejection threshold (-> ZOMBIE)
  execute-pending  execute the Safe proposals the tx-service holds, in nonce order

Exit codes: 0 success, 1 a devnet action failed, 2 usage error.
"""


@long_opt("port", "anvil's port (default: a free port)", type=int, metavar="PORT")
@long_opt("config_out", "where to write the network config", type=str, metavar="PATH")
@long_opt(
    "key_out",
    "where to write the proposer key (default: devnet-proposer.key beside the config)",
    type=str,
    metavar="PATH",
)
@plac.opt(
    "delegate",
    "a Safe delegate the tx-service accepts proposals from (comma-separated list)",
    type=str,
    abbrev="d",
    metavar="ADDRESS[,ADDRESS]",
)
def up(
    port: int = 0, config_out: str = "devnet.toml", key_out: str | None = None, delegate: str | None = None
) -> int:
    """Start a devnet and keep it running until SIGINT (Ctrl-C) or SIGTERM.

    Writes the network config (default ./devnet.toml) and, beside it, devnet-proposer.key (mode 0600,
    the key of Safe owner 1, an anvil test key). Prints one line with `ready` when everything is up.
    """
    from butler.devnet.runner import start_devnet

    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be a TCP port (0 picks a free one), got {port}")
    delegates = [address(d.strip()) for d in delegate.split(",") if d.strip()] if delegate else []
    stop = threading.Event()
    started = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            return  # already stopping: let the shutdown finish
        stop.set()
        if not started:
            # Abandon the start-up; start_devnet stops what it already started.
            raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    devnet: RunningDevnet | None = None
    try:
        devnet = start_devnet(
            config_out=Path(config_out),
            key_out=Path(key_out) if key_out else None,
            port=port,
            delegates=delegates,
            log=progress,
        )
        started = True
        _announce(devnet)
        while not stop.wait(0.5):
            if not devnet.anvil.running():
                raise ButlerError("anvil stopped unexpectedly; shutting the devnet down")
    finally:
        if devnet is not None:
            devnet.stop()
            progress("stopped")
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _announce(devnet: RunningDevnet) -> None:
    d = devnet.deployment
    progress(
        f"Safe {d.safe} (owners: anvil accounts 1 and 2, threshold 1) administers provider {d.provider_id}"
    )
    progress(
        f"StakingRegistry {d.staking_registry}, Aztec Registry {d.aztec_registry}, "
        f"Rollup {d.rollup} (version {d.rollup_version}), GSE {d.gse}"
    )
    say(
        f"devnet ready in {devnet.startup_seconds:.1f}s: rpc {devnet.rpc_url}, "
        f"config {devnet.config_path}, tx-service {devnet.tx_service_url}"
    )


COMMANDS: dict[str, Callable[..., int]] = {
    "up": up,
    "fund": fund,
    "add-keys": add_keys,
    "stake": stake,
    "flush": flush,
    "exit": exit_,
    "finalize": finalize,
    "slash": slash,
    "execute-pending": execute_pending,
}


def _find(name: str) -> CommandRunner | None:
    command = COMMANDS.get(name)
    if command is None:
        return None
    return lambda prog, argv: _run_action(command, prog, argv)


def _run_action(command: Callable[..., int], name: str, argv: list[str]) -> int:
    try:
        return run_plac(command, f"aztec-butler-devnet {name}", argv)
    except OSError as error:  # e.g. the devnet went away in the middle of an action
        sys.stderr.write(f"error: {type(error).__name__}: {error}\n")
        return 1


def run(argv: Sequence[str]) -> int:
    return dispatch("aztec-butler-devnet", OVERVIEW, _find, argv)


MISSING_EXTRA = (
    "error: aztec-butler-devnet needs the devnet extra, which is not installed: "
    "pip install 'aztec-butler[devnet]'\n"
)


def _devnet_extra_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("web3") is not None
    except ImportError:
        return False


def main() -> None:
    # Checked before any command, --help included: the product installs without web3 (README).
    if not _devnet_extra_installed():
        sys.stderr.write(MISSING_EXTRA)
        raise SystemExit(2)
    exit_with(run)
