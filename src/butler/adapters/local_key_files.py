"""Key files on the local filesystem, as JSON (SPEC §3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

from butler.adapters import codecs
from butler.adapters.atomic_file import write_atomically
from butler.domain.errors import ButlerError, InputError
from butler.domain.keyfiles import PrivateKeysFile, PublicKeysFile

T = TypeVar("T")


class LocalKeyFiles:
    def exists(self, path: Path) -> bool:
        # os.path answers False where Path.exists raises (e.g. a folder on the way that is not searchable).
        return os.path.lexists(path)

    def check_writable(self, path: Path) -> None:
        folder = path.parent
        if os.path.isdir(path):
            reason = "it is a folder"
        elif not os.path.isdir(folder):
            reason = f"{folder} is not a folder" if os.path.lexists(folder) else f"no folder {folder}"
        elif not os.access(folder, os.W_OK | os.X_OK):
            reason = f"the folder {folder} is not writable"
        else:
            return
        raise ButlerError(f"{path}: cannot write: {reason}")

    def read_private_keys(self, path: Path) -> PrivateKeysFile:
        return self._read(path, PrivateKeysFile)

    def write_public_keys(self, path: Path, keys: PublicKeysFile) -> None:
        self._write(path, codecs.dump_json(keys))

    def _read(self, path: Path, cls: type[T]) -> T:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: file not found") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a folder, not a file") from None
        except PermissionError:
            raise InputError(f"{path}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or type(exc).__name__}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        try:
            return codecs.structure(codecs.parse_json(text), cls)
        except codecs.DecodeProblems as exc:
            raise InputError(*(f"{path}: {problem}" for problem in exc.problems)) from None

    def _write(self, path: Path, text: str) -> None:
        try:
            write_atomically(path, text)
        except OSError as exc:
            raise ButlerError(f"{path}: cannot write: {exc.strerror or type(exc).__name__}") from None
