"""Reading and writing the operator's key files (SPEC §3), in domain values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from butler.domain.address import Address
from butler.domain.errors import ButlerError, CheckFailed
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile
from butler.domain.publisher_sets import PublisherSets


class KeyfileExists(CheckFailed):
    """`create_production_keyfile` found `path` taken; whatever is there was left as it was."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: already exists; creating a keyfile never replaces a file")
        self.path = path


class KeyfileLeftBehind(ButlerError):
    """`create_production_keyfile` failed after it had made files, and could not remove `paths` again."""

    def __init__(self, paths: tuple[Path, ...], *problems: str) -> None:
        super().__init__(*problems)
        self.paths = paths


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

    def write_public_keys(
        self, path: Path, keys: PublicKeysFile, *, before_commit: Callable[[], None] | None = None
    ) -> None:
        """Write `path` atomically. The file is complete on disk under a temporary name before
        `before_commit` runs, and takes its name only if that returns: whatever can fail in the write
        (a full disk) fails before `before_commit` is called."""
        ...

    def read_production_keyfile(self, path: Path) -> ProductionKeyfile: ...

    def create_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None:
        """Create `path` as a new file, atomically; never replace anything.

        KeyfileExists when `path` is taken, even by a file that appeared after the caller's own check.
        Any other failure raises ButlerError naming `path` and leaves nothing behind, or KeyfileLeftBehind
        naming what it could not remove again.
        """
        ...

    def remove(self, path: Path) -> None:
        """Remove `path`, a file this run created (to undo `create_production_keyfile`). A missing file is
        fine; ButlerError naming `path` when it stays."""
        ...

    def read_public_keys(self, path: Path) -> PublicKeysFile: ...

    def write_available_publishers(
        self, path: Path, publishers: tuple[Address, ...], *, before_commit: Callable[[], None] | None = None
    ) -> None:
        """The available-publishers file as a JSON array of checksummed addresses, in order; written
        like `write_public_keys`."""
        ...

    def read_available_publishers(self, path: Path) -> PublisherSets:
        """A JSON array of publisher addresses, or an object of named arrays (one per HA server).
        Malformed addresses are refused here; repeats are left to `publisher_set_problems`."""
        ...
