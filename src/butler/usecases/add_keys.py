"""Phase 5: registration calldata for new attesters, proposed to the provider's Safe (SPEC §9, §11)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.errors import ChainError, CheckFailed, Problem, UsageError
from butler.domain.keys import BlsSecretKey, attester_address, bls_public_key
from butler.domain.onchain import KeyStore, Provider
from butler.domain.registration import RegistrationError, registration_keystore
from butler.domain.safe import SafeCall
from butler.domain.staking_registry_calls import add_keys_calls, chunked
from butler.ports.chain import Chain
from butler.ports.key_files import KeyFiles
from butler.ports.multisig import Multisig, Proposal, SafeQueue
from butler.usecases.steps.checked_private_keys import read_checked_private_keys
from butler.usecases.steps.providers import resolve_provider
from butler.usecases.steps.registration_check import known_registrations

Progress = Callable[[int, int], None]


@attrs.frozen
class Registration:
    """What add-keys built: the calls that queue `attesters`, in order, for `provider`."""

    provider: Provider
    registry: Address
    attesters: tuple[Address, ...]
    chunks: tuple[tuple[Address, ...], ...]
    """The attesters each call queues, one tuple per call."""
    calls: tuple[SafeCall, ...]


@attrs.frozen
class AddKeysOutcome:
    registration: Registration
    safe: Address | None
    """The Safe the calls were proposed to; None when nothing was proposed."""
    proposals: tuple[Proposal, ...]
    skipped: tuple[tuple[Address, str], ...] = ()
    """Attesters of the file left out (`skip_known`), with where each is already known."""


def add_keys(
    source: Path,
    *,
    files: KeyFiles,
    chain: Chain,
    config: NetworkConfig,
    multisig: Multisig | None,
    chunk_size: int,
    show: Callable[[Registration], None],
    progress: Progress,
    pending: SafeQueue | None = None,
    skip_known: bool = False,
) -> AddKeysOutcome:
    """Build `addKeysToProvider` calls for the attesters of the private-keys file at `source`, `show` them,
    then propose one Safe transaction per call through `multisig` (None: propose nothing).

    Nothing is shown or proposed unless every key is valid and none of the attesters is on chain yet or in
    a pending transaction of the Safe (`multisig`, else `pending`, when either is given). With
    `skip_known` the known attesters are left out instead, and only the others are registered. Nothing is
    proposed unless the Safe is the provider's admin (the only account `addKeysToProvider` accepts); the
    calls are shown even then.
    """
    if chunk_size < 1:
        raise UsageError(Problem("{chunk_size} must be at least 1, got {size}", size=chunk_size))
    keys_file = read_checked_private_keys(source, files)
    validators = keys_file.validators
    attesters = tuple(attester_address(v.attester.eth) for v in validators)

    provider = resolve_provider(chain, config)
    queue = multisig if multisig is not None else pending
    known = known_registrations(
        chain, provider.id, attesters, pending=queue, registry=config.staking_registry
    )
    if known and not skip_known:
        raise CheckFailed(
            *(f"attester {address}: {where}" for address, where in known.items()),
            Problem("nothing was proposed; {skip_known} proposes only the attesters not known yet"),
        )
    if known:
        kept = [(a, v) for a, v in zip(attesters, validators, strict=True) if a not in known]
        attesters = tuple(a for a, _ in kept)
        validators = tuple(v for _, v in kept)
    skipped = tuple(known.items())
    if not attesters:
        nothing = Registration(provider, config.staking_registry, (), (), ())
        return AddKeysOutcome(nothing, None, (), skipped)

    keystores = _keystores(chain, attesters, [v.attester.bls for v in validators], progress)
    registration = Registration(
        provider=provider,
        registry=config.staking_registry,
        attesters=attesters,
        chunks=tuple(tuple(chunk) for chunk in chunked(attesters, chunk_size)),
        calls=add_keys_calls(config.staking_registry, provider.id, keystores, chunk_size),
    )
    # Shown before anything about proposing is checked: whatever stops the proposal, the owners can
    # still propose the calls themselves.
    show(registration)
    if multisig is None:
        return AddKeysOutcome(registration, None, (), skipped)
    safe = multisig.safe()
    if provider.admin != safe:
        raise CheckFailed(
            f"provider {provider.id} is administered by {provider.admin}, not by the Safe {safe}: "
            "the Safe could not execute addKeysToProvider; nothing proposed"
        )
    return AddKeysOutcome(registration, safe, tuple(multisig.propose(registration.calls)), skipped)


def _keystores(
    chain: Chain, attesters: Sequence[Address], secret_keys: Sequence[BlsSecretKey], progress: Progress
) -> list[KeyStore]:
    """The registration data of each attester, signed with its BLS key over the GSE's digest of it."""
    digests = chain.registration_digests([bls_public_key(sk).point for sk in secret_keys])
    if len(digests) != len(secret_keys):
        raise ChainError(f"asked the GSE for {len(secret_keys)} registration digests, got {len(digests)}")
    keystores: list[KeyStore] = []
    for done, (attester, sk, digest) in enumerate(zip(attesters, secret_keys, digests, strict=True), 1):
        try:
            keystores.append(registration_keystore(attester, sk, digest))
        except RegistrationError as exc:
            raise ChainError(f"attester {attester}: {exc}") from None
        progress(done, len(secret_keys))
    return keystores
