"""Reading and writing the operator's key files (SPEC §3), in domain values."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile
from butler.domain.publisher_sets import PublisherSets


class KeyFiles(Protocol):
    """Malformed or missing input raises InputError naming the file, the JSON path and the reason.

    Writes are atomic: either the whole file is there afterwards or nothing is.
    """

    def exists(self, path: Path) -> bool: ...

    def check_writable(self, path: Path) -> None:
        """Raise ButlerError naming `path` when a file could not be written there (no such folder, not
        writable, a folder in the way): lets a command fail before it does anything irreversible."""
        ...

    def read_private_keys(self, path: Path) -> PrivateKeysFile: ...

    def write_public_keys(self, path: Path, keys: PublicKeysFile) -> None: ...

    def read_production_keyfile(self, path: Path) -> ProductionKeyfile: ...

    def write_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None: ...

    def read_public_keys(self, path: Path) -> PublicKeysFile: ...

    def read_available_publishers(self, path: Path) -> PublisherSets:
        """A JSON array of publisher addresses, or an object of named arrays (one per HA server).
        Malformed addresses are refused here; repeats are left to `publisher_set_problems`."""
        ...
