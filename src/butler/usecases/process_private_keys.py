"""Phase 2: derive public keys, check the chain, hand the secrets over, write the public-keys file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.derivation import (
    derive_public_validator,
    public_keys_file,
    publisher_addresses,
)
from butler.domain.errors import CheckFailed, Problem
from butler.domain.keyfiles import DerivedValidator
from butler.ports.chain import Chain
from butler.ports.key_files import KeyFiles
from butler.ports.multisig import SafeQueue
from butler.ports.secret_store import SecretStore, StoredKey
from butler.usecases.steps.checked_private_keys import read_checked_private_keys
from butler.usecases.steps.providers import resolve_provider
from butler.usecases.steps.registration_check import ensure_not_on_chain

Progress = Callable[[int, int], None]


@attrs.frozen
class ChainCheck:
    """Where new attesters must not be known yet: the network's chain, and the pending transactions of
    the provider's Safe (None when the config names no transaction service)."""

    chain: Chain
    network: NetworkConfig
    pending: SafeQueue | None = None


@attrs.frozen
class Processed:
    output: Path
    validators: int
    publishers_output: Path
    attesters: tuple[Address, ...]
    publishers: tuple[Address, ...]
    """The publishers' addresses, as written to `publishers_output`."""
    stored: tuple[StoredKey, ...] = ()
    """Where the secret store put each key (empty for a store that names nothing)."""


def default_output(source: Path, cwd: Path) -> Path:
    return cwd / f"public-{source.name}"


def default_publishers_output(source: Path, public_output: Path) -> Path:
    """`publishers-<source name>` beside the public-keys file: phase 3's available-publishers file."""
    return public_output.parent / f"publishers-{source.name}"


def process_private_keys(
    source: Path,
    output: Path,
    publishers_output: Path,
    *,
    files: KeyFiles,
    secrets: SecretStore,
    chain_check: ChainCheck | None,
    progress: Progress,
    report: Callable[[str], None] = lambda line: None,
    overwrite: bool = False,
) -> Processed:
    """Everything is validated and checked before the secret store or an output file is touched:
    unless `chain_check` is None, no attester may be known on chain or proposed to the Safe yet
    (`report` then says that they are not).

    Writes the public-keys file and the available-publishers file (the addresses of the file's
    publisher keys), neither of them replacing a file unless `overwrite`."""
    keys_file = read_checked_private_keys(source, files)
    for target, option in ((output, "{output}"), (publishers_output, "{publishers_output}")):
        if not overwrite and files.exists(target):
            raise CheckFailed(
                Problem(
                    "{target}: already exists; choose another path with " + option + " or pass {force}",
                    target=target,
                )
            )
        files.check_writable(target)

    total = len(keys_file.validators)
    derived = []
    for done, validator in enumerate(keys_file.validators, start=1):
        derived.append(DerivedValidator(private=validator, public=derive_public_validator(validator)))
        progress(done, total)

    if chain_check is not None:
        _ensure_unknown(chain_check, [d.public.attester.eth for d in derived], report)
    # A key the store already holds differently fails here, before any key is handed over.
    secrets.check(derived)
    stored: list[StoredKey] = []
    publishers = publisher_addresses(keys_file)
    # Both files are complete on disk under temporary names before the keys are handed over (a full disk
    # fails before), and take their names only after: never keys shown on a run that writes nothing.
    files.write_public_keys(
        output,
        public_keys_file(keys_file, (d.public for d in derived)),
        before_commit=lambda: files.write_available_publishers(
            publishers_output, publishers, before_commit=lambda: stored.extend(secrets.store(derived))
        ),
    )
    return Processed(
        output=output,
        validators=total,
        publishers_output=publishers_output,
        attesters=tuple(d.public.attester.eth for d in derived),
        publishers=publishers,
        stored=tuple(stored),
    )


def _ensure_unknown(check: ChainCheck, attesters: list[Address], report: Callable[[str], None]) -> None:
    network = check.network
    provider = resolve_provider(check.chain, network)
    ensure_not_on_chain(
        check.chain, provider.id, attesters, pending=check.pending, registry=network.staking_registry
    )
    where = " or proposed to the Safe" if check.pending is not None else ""
    report(f"checked {len(attesters)} attesters on {network.network}: none is known on chain{where} yet")
