"""Reading a private-keys file that every flow adding keys starts from."""

from __future__ import annotations

from pathlib import Path

from butler.domain.derivation import duplicate_key_problems
from butler.domain.errors import CheckFailed, InputError
from butler.domain.keyfiles import PrivateKeysFile
from butler.ports.key_files import KeyFiles


def read_checked_private_keys(source: Path, files: KeyFiles) -> PrivateKeysFile:
    """The private-keys file at `source`, refused when it holds no validator or repeats a key."""
    keys_file = files.read_private_keys(source)
    if not keys_file.validators:
        raise InputError(f"{source}: validators: the list is empty, nothing to do")
    duplicates = duplicate_key_problems(keys_file)
    if duplicates:
        raise CheckFailed(*(f"{source}: {problem}" for problem in duplicates))
    return keys_file
