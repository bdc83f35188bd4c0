"""In-memory key files for tests: holds domain values, no JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

from butler.domain.address import Address
from butler.domain.errors import ButlerError, InputError
from butler.domain.keyfiles import PrivateKeysFile, ProductionKeyfile, PublicKeysFile
from butler.domain.publisher_sets import PublisherSets
from butler.ports.key_files import KeyfileExists, KeyFiles

T = TypeVar("T")


class FakeKeyFiles:
    """`unwritable` paths fail `check_writable` (and every write). `fail_creating` and `fail_removing` map
    paths to the reason their create or remove fails, after the checks passed (a full disk, an I/O error).
    `appearing` holds files another process creates at a path just before this one creates it there."""

    def __init__(
        self,
        files: dict[Path, object] | None = None,
        *,
        unwritable: Iterable[Path] = (),
        fail_creating: Mapping[Path, str] | None = None,
        fail_removing: Mapping[Path, str] | None = None,
        appearing: Mapping[Path, object] | None = None,
    ) -> None:
        self.files: dict[Path, object] = dict(files or {})
        self._unwritable = frozenset(unwritable)
        self._fail_creating = dict(fail_creating or {})
        self._fail_removing = dict(fail_removing or {})
        self._appearing = dict(appearing or {})

    def exists(self, path: Path) -> bool:
        return path in self.files

    def check_writable(self, path: Path) -> None:
        if path in self._unwritable:
            raise ButlerError(f"{path}: cannot write: the folder is not writable")

    def read_private_keys(self, path: Path) -> PrivateKeysFile:
        return self._read(path, PrivateKeysFile, "a private-keys file")

    def write_public_keys(
        self, path: Path, keys: PublicKeysFile, *, before_commit: Callable[[], None] | None = None
    ) -> None:
        self._write(path, keys, before_commit)

    def read_production_keyfile(self, path: Path) -> ProductionKeyfile:
        return self._read(path, ProductionKeyfile, "a production keyfile")

    def create_production_keyfile(self, path: Path, keyfile: ProductionKeyfile) -> None:
        self.check_writable(path)
        if path in self._appearing:
            self.files.setdefault(path, self._appearing.pop(path))
        if path in self.files:
            raise KeyfileExists(path)
        if path in self._fail_creating:
            raise ButlerError(f"{path}: cannot write: {self._fail_creating[path]}")
        self.files[path] = keyfile

    def remove(self, path: Path) -> None:
        if path in self._fail_removing:
            raise ButlerError(f"{path}: cannot remove: {self._fail_removing[path]}")
        self.files.pop(path, None)

    def read_public_keys(self, path: Path) -> PublicKeysFile:
        return self._read(path, PublicKeysFile, "a public-keys file")

    def write_available_publishers(
        self, path: Path, publishers: tuple[Address, ...], *, before_commit: Callable[[], None] | None = None
    ) -> None:
        self._write(path, PublisherSets.single(publishers), before_commit)

    def _write(self, path: Path, content: object, before_commit: Callable[[], None] | None) -> None:
        """A write that fails as the real files would: a folder not writable, a failure arranged."""
        self.check_writable(path)
        if path in self._fail_creating:
            raise ButlerError(f"{path}: cannot write: {self._fail_creating[path]}")
        if before_commit is not None:
            before_commit()
        self.files[path] = content

    def read_available_publishers(self, path: Path) -> PublisherSets:
        return self._read(path, PublisherSets, "an available publishers file")

    def _read(self, path: Path, kind: type[T], name: str) -> T:
        content = self.files.get(path)
        if content is None:
            raise InputError(f"{path}: file not found")
        if not isinstance(content, kind):
            raise InputError(f"{path}: not {name}")
        return content


# mypy checks this assignment against the port, so the fake cannot drift from it unnoticed.
_CONFORMS: type[KeyFiles] = FakeKeyFiles
