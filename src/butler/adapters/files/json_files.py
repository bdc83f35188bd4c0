"""Reading and writing our JSON formats on the local filesystem, with errors that name the file."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from butler.adapters.files import codecs, json_objects, json_text
from butler.adapters.files.atomic_file import write_atomically
from butler.domain.errors import ButlerError, InputError

T = TypeVar("T")


def read_text(path: Path) -> str:
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
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def read_json(path: Path, cls: type[T], *, screen: Callable[[object], list[str]] | None = None) -> T:
    """The file at `path` as a `cls`. `screen` may refuse the parsed JSON before it is decoded: it returns
    problems as `<json path>: <reason>`. Fields the format keeps without reading them are named in a
    warning on stderr, so the operator knows nothing checked them."""

    def decode(data: object) -> T:
        problems = screen(data) if screen is not None else []
        if problems:
            raise codecs.DecodeError(problems)
        return codecs.structure(data, cls)

    value = read_decoded(path, decode)
    kept = json_objects.kept_fields(value)
    if kept:
        sys.stderr.write(f"warning: {path}: kept as written, not read by aztec-butler: {', '.join(kept)}\n")
    return value


def read_decoded(path: Path, decode: Callable[[object], T]) -> T:
    """The file at `path` parsed as JSON and given to `decode`, whose DecodeError name the file."""
    try:
        return decode(json_text.parse_json(read_text(path)))
    except codecs.DecodeError as exc:
        raise InputError(*(f"{path}: {problem}" for problem in exc.problems)) from None


def check_writable(path: Path, *, make_folder: bool = False) -> None:
    """Raise ButlerError naming `path` when a file could not be written there. With `make_folder`, missing
    folders count as writable when the nearest existing one is."""
    folder = path.parent
    if make_folder:
        while not os.path.lexists(folder) and folder != folder.parent:
            folder = folder.parent
    if os.path.isdir(path):
        reason = "it is a folder"
    elif not os.path.isdir(folder):
        reason = f"{folder} is not a folder" if os.path.lexists(folder) else f"no folder {folder}"
    elif not os.access(folder, os.W_OK | os.X_OK):
        reason = f"the folder {folder} is not writable"
    else:
        return
    raise ButlerError(f"{path}: cannot write: {reason}")


def write_json(
    path: Path, value: object, *, make_folder: bool = False, before_commit: Callable[[], None] | None = None
) -> None:
    try:
        if make_folder:
            os.makedirs(path.parent, exist_ok=True)
        write_atomically(path, codecs.dump_json(value), before_commit=before_commit)
    except OSError as exc:
        raise ButlerError(f"{path}: cannot write: {exc.strerror or type(exc).__name__}") from None
