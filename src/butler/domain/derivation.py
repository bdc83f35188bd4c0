"""Phase 2: turn a private-keys file into its public counterpart, refusing duplicates."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from butler.domain.address import Address
from butler.domain.keyfiles import (
    PrivateKeysFile,
    PrivateValidator,
    PublicAttester,
    PublicKeysFile,
    PublicValidator,
)
from butler.domain.keys import attester_address, bls_public_key


def derive_public_validator(validator: PrivateValidator) -> PublicValidator:
    return PublicValidator(
        attester=PublicAttester(
            eth=attester_address(validator.attester.eth),
            bls=bls_public_key(validator.attester.bls),
        ),
        fee_recipient=validator.fee_recipient,
    )


def duplicate_key_problems(keys_file: PrivateKeysFile) -> list[str]:
    """One line per repeated attester key, naming both JSON paths and never the key."""
    validators = keys_file.validators
    problems = _repeats(
        ((i, v.attester.eth.scalar) for i, v in enumerate(validators)),
        lambda i, first: f"validators[{i}].attester.eth: same key as validators[{first}].attester.eth",
    )
    problems += _repeats(
        ((i, v.attester.bls.scalar) for i, v in enumerate(validators)),
        lambda i, first: f"validators[{i}].attester.bls: same key as validators[{first}].attester.bls",
    )
    return problems


def _repeats(items: Iterable[tuple[int, Hashable]], describe: Callable[[int, int], str]) -> list[str]:
    first_seen: dict[Hashable, int] = {}
    problems = []
    for index, key in items:
        if key in first_seen:
            problems.append(describe(index, first_seen[key]))
        else:
            first_seen[key] = index
    return problems


def public_keys_file(keys_file: PrivateKeysFile, derived: Iterable[PublicValidator]) -> PublicKeysFile:
    return PublicKeysFile(schema_version=keys_file.schema_version, validators=tuple(derived))


def publisher_addresses(keys_file: PrivateKeysFile) -> tuple[Address, ...]:
    """The addresses of the file's publisher keys in file order, each once (a publisher may serve
    several validators): the available-publishers list phase 3 takes."""
    return tuple(
        dict.fromkeys(
            attester_address(key) for validator in keys_file.validators for key in validator.publisher
        )
    )
