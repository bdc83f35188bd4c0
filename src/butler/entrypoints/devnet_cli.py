"""`aztec-butler-devnet`: run a local devnet (anvil + the real Aztec L1 contracts and Safe + our
StakingRegistry stand-in + a Safe Transaction Service stand-in) and act on it."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.address import Address, AddressFormatError
from butler.domain.errors import ButlerError, CheckFailed, InputError, UsageError
from butler.entrypoints.console import CommandRunner, dispatch, exit_with, run_plac
from butler.entrypoints.options import long_opt

if TYPE_CHECKING:  # the devnet and web3 load only for the commands that need them
    from butler.devnet.actions import DevnetActions
    from butler.devnet.records import DevValidator
    from butler.devnet.runner import RunningDevnet

CONFIG_HELP = "the devnet config written by `up` (default: ./devnet.toml)"

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


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _progress(line: str) -> None:
    sys.stderr.write(f"devnet: {line}\n")
    sys.stderr.flush()


def _address(text: str) -> Address:
    try:
        return Address.parse(text)
    except AddressFormatError as exc:
        raise UsageError(f"bad address {text!r}: {exc}") from None


def _count(count: int) -> int:
    if count < 1:
        raise UsageError(f"--count must be at least 1, got {count}")
    return count


def _actions(config: str) -> DevnetActions:
    from butler.devnet.actions import DevnetActions
    from butler.devnet.config import read_config

    return DevnetActions(read_config(Path(config)))


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
    delegates = [_address(d.strip()) for d in delegate.split(",") if d.strip()] if delegate else []
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
            log=_progress,
        )
        started = True
        d = devnet.deployment
        _progress(
            f"Safe {d.safe} (owners: anvil accounts 1 and 2, threshold 1) administers provider "
            f"{d.provider_id}"
        )
        _progress(
            f"StakingRegistry {d.staking_registry}, Aztec Registry {d.aztec_registry}, "
            f"Rollup {d.rollup} (version {d.rollup_version}), GSE {d.gse}"
        )
        _say(
            f"devnet ready in {devnet.startup_seconds:.1f}s: rpc {devnet.rpc_url}, "
            f"config {devnet.config_path}, tx-service {devnet.tx_service_url}"
        )
        while not stop.wait(0.5):
            if not devnet.anvil.running():
                raise ButlerError("anvil stopped unexpectedly; shutting the devnet down")
    finally:
        if devnet is not None:
            devnet.stop()
            _progress("stopped")
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


@plac.opt("eth", "amount of ETH per address, e.g. 1.5", type=str, abbrev="e", metavar="AMOUNT")
@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("addresses", "addresses to fund", type=str)
def fund(eth: str | None = None, config: str = "devnet.toml", *addresses: str) -> int:
    """Send ETH from an anvil dev account to each address."""
    if eth is None:
        raise UsageError("--eth AMOUNT is required")
    if not addresses:
        raise UsageError("give at least one address to fund")
    try:
        amount = Decimal(eth)
    except InvalidOperation:
        raise UsageError(f"--eth: not a number: {eth!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"--eth: expected a positive amount of ETH, got {eth!r}")
    targets = [_address(a) for a in addresses]
    for done in _actions(config).fund(amount, targets):
        _say(f"funded {done.address} with {amount:f} ETH (tx {done.tx_hash})")
    return 0


@long_opt("count", "how many generated validators (default: 1)", type=int, metavar="N")
@long_opt(
    "from_",
    "queue the attesters of this private-keys file instead of generated ones",
    type=str,
    metavar="PRIVATE_KEYS_FILE",
)
@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.flg(
    "corrupt_proof", "give them a wrong proof of possession (the GSE will reject them on flush)", abbrev="x"
)
@plac.flg(
    "duplicate",
    "queue every keystore twice (the second deposit of each fails on flush: already registered)",
    abbrev="d",
)
def add_keys(
    count: int | None = None,
    from_: str | None = None,
    config: str = "devnet.toml",
    corrupt_proof: bool = False,
    duplicate: bool = False,
) -> int:
    """Queue validators for provider 1: COUNT generated throwaway ones, or those of a private-keys file.

    Builds each KeyStore with the real GSE's registration digest and executes addKeysToProvider through
    the provider's Safe, signed by a devnet owner. Only the attester addresses are printed.

    With --from, the file (the format `aztec validator-keys new` writes) is read and checked as
    `aztec-butler process-private-keys` reads it; a bad file is refused, one line per problem, before
    anything is sent. This stands in for `aztec-butler add-keys` (phase 5) on the devnet.
    """
    from butler.devnet.records import random_validator

    validators: list[DevValidator]
    if from_ is not None:
        if count is not None:
            raise UsageError("give --count N or --from PRIVATE_KEYS_FILE, not both")
        validators = _file_validators(Path(from_))
    else:
        validators = [random_validator() for _ in range(_count(1 if count is None else count))]
    added = _actions(config).add_validators(validators, corrupt_proof=corrupt_proof, duplicate=duplicate)
    for done in added:
        note = " (wrong proof of possession)" if done.corrupted_proof else ""
        note += " (again: a duplicate registration)" if done.repeated else ""
        _say(f"queued {done.attester} for the provider{note} (tx {done.tx_hash})")
    return 0


def _file_validators(path: Path) -> list[DevValidator]:
    """The attesters of a private-keys file, read and checked by the product's own reader."""
    from butler.adapters.files.key_files import LocalKeyFiles
    from butler.devnet.records import file_validators
    from butler.domain.derivation import duplicate_key_problems

    keys_file = LocalKeyFiles().read_private_keys(path)
    duplicates = duplicate_key_problems(keys_file)
    if duplicates:
        raise CheckFailed(*(f"{path}: {problem}" for problem in duplicates))
    if not keys_file.validators:
        raise InputError(f"{path}: holds no validators")
    return file_validators(keys_file)


@long_opt("count", "how many stakes", type=int, metavar="N")
@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
def stake(count: int = 1, config: str = "devnet.toml") -> int:
    """A delegator (anvil account 3) stakes COUNT times with provider 1.

    Each stake pulls the activation threshold in staking tokens from the delegator, deposits the head
    of the provider queue into the real Rollup's entry queue (the delegator is its withdrawer) and emits
    StakedWithProvider with a fresh split contract as its coinbase.
    """
    count = _count(count)
    for done in _actions(config).stake(count):
        _say(f"{done.attester} -> coinbase {done.coinbase} (tx {done.tx_hash})")
    return 0


@long_opt("count", "how many entries at most", type=int, metavar="N")
@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
def flush(count: int = 1, config: str = "devnet.toml") -> int:
    """Move up to COUNT entries from the head of the rollup entry queue into the real GSE.

    Calls the real Rollup's flushEntryQueue. The rollup allows a limited number of validators per
    epoch: when they are used up, the devnet's clock moves to the next flushable epoch first.
    """
    count = _count(count)
    results = _actions(config).flush(count)
    for done in results:
        if done.ok:
            _say(f"{done.attester} deposited into the GSE: VALIDATING (tx {done.tx_hash})")
        else:
            _say(f"{done.attester} rejected by the GSE: {done.error} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("attester", "the attester address", type=str)
def exit_(attester: str, config: str = "devnet.toml") -> int:
    """Start the exit of a VALIDATING (or slashed, ZOMBIE) attester with the rollup's initiateWithdraw,
    sent by its withdrawer; it then reads EXITING until `finalize`."""
    target = _address(attester)
    done = _actions(config).exit(target)
    _say(f"{done.attester} {done.status.name} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("attester", "the attester address", type=str)
def finalize(attester: str, config: str = "devnet.toml") -> int:
    """Finish an EXITING attester's exit with the rollup's finalizeWithdraw.

    Moves the devnet's clock past the exit delay (and governance's withdrawal delay) first if needed.
    The stake goes to the recipient named at exit; the attester then reads NONE.
    """
    done = _actions(config).finalize(_address(attester))
    _say(f"{done.attester} exit finalized: {done.amount} to {done.recipient} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("attester", "the attester address", type=str)
def slash(attester: str, config: str = "devnet.toml") -> int:
    """Slash a VALIDATING attester through the rollup's slash, sent as its slasher contract.

    Takes just enough that the stake falls below the rollup's local ejection threshold: the attester
    is removed from the set and reads ZOMBIE (its withdrawer may then `exit` it).
    """
    done = _actions(config).slash(_address(attester))
    _say(f"{done.attester} slashed by {done.amount}: {done.status.name} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
def execute_pending(config: str = "devnet.toml") -> int:
    """Execute the tx-service's pending Safe transactions, in nonce order, through the real Safe.

    A proposal signed by a delegate (not an owner) gets a devnet owner's signature added.
    """
    executed = _actions(config).execute_pending()
    if not executed:
        _say("no pending Safe transactions at the Safe's current nonce")
    for done in executed:
        extra = ", with a devnet owner signature added" if done.added_owner_signature else ""
        _say(f"executed {done.safe_tx_hash} (Safe nonce {done.nonce}) in tx {done.tx_hash}{extra}")
    return 0


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
