"""`aztec-butler-devnet`'s commands that act on a running devnet (fund, add-keys, stake, flush, exit,
finalize, slash, execute-pending), and the output and argument helpers every devnet command shares."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import plac_core as plac  # plac itself also loads its Tk and multiprocessing extras

from butler.domain.address import Address, AddressFormatError
from butler.domain.errors import CheckFailed, InputError, UsageError
from butler.entrypoints.options import long_opt

if TYPE_CHECKING:  # the devnet and web3 load only for the commands that need them
    from butler.devnet.actions import DevnetActions
    from butler.devnet.records import DevValidator

CONFIG_HELP = "the devnet config written by `up` (default: ./devnet.toml)"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def progress(line: str) -> None:
    sys.stderr.write(f"devnet: {line}\n")
    sys.stderr.flush()


def address(text: str) -> Address:
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
    targets = [address(a) for a in addresses]
    for done in _actions(config).fund(amount, targets):
        say(f"funded {done.address} with {amount:f} ETH (tx {done.tx_hash})")
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
        say(f"queued {done.attester} for the provider{note} (tx {done.tx_hash})")
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
        say(f"{done.attester} -> coinbase {done.coinbase} (tx {done.tx_hash})")
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
            say(f"{done.attester} deposited into the GSE: VALIDATING (tx {done.tx_hash})")
        else:
            say(f"{done.attester} rejected by the GSE: {done.error} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("attester", "the attester address", type=str)
def exit_(attester: str, config: str = "devnet.toml") -> int:
    """Start the exit of a VALIDATING (or slashed, ZOMBIE) attester with the rollup's initiateWithdraw,
    sent by its withdrawer; it then reads EXITING until `finalize`."""
    target = address(attester)
    done = _actions(config).exit(target)
    say(f"{done.attester} {done.status.name} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("attester", "the attester address", type=str)
def finalize(attester: str, config: str = "devnet.toml") -> int:
    """Finish an EXITING attester's exit with the rollup's finalizeWithdraw.

    Moves the devnet's clock past the exit delay (and governance's withdrawal delay) first if needed.
    The stake goes to the recipient named at exit; the attester then reads NONE.
    """
    done = _actions(config).finalize(address(attester))
    say(f"{done.attester} exit finalized: {done.amount} to {done.recipient} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
@plac.pos("attester", "the attester address", type=str)
def slash(attester: str, config: str = "devnet.toml") -> int:
    """Slash a VALIDATING attester through the rollup's slash, sent as its slasher contract.

    Takes just enough that the stake falls below the rollup's local ejection threshold: the attester
    is removed from the set and reads ZOMBIE (its withdrawer may then `exit` it).
    """
    done = _actions(config).slash(address(attester))
    say(f"{done.attester} slashed by {done.amount}: {done.status.name} (tx {done.tx_hash})")
    return 0


@plac.opt("config", CONFIG_HELP, type=str, abbrev="c", metavar="PATH")
def execute_pending(config: str = "devnet.toml") -> int:
    """Execute the tx-service's pending Safe transactions, in nonce order, through the real Safe.

    A proposal signed by a delegate (not an owner) gets a devnet owner's signature added.
    """
    executed = _actions(config).execute_pending()
    if not executed:
        say("no pending Safe transactions at the Safe's current nonce")
    for done in executed:
        extra = ", with a devnet owner signature added" if done.added_owner_signature else ""
        say(f"executed {done.safe_tx_hash} (Safe nonce {done.nonce}) in tx {done.tx_hash}{extra}")
    return 0
