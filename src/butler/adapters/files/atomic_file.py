"""Atomic file writes: a temporary file in the target folder, fsynced, then given the target's name.

`write_atomically` renames over the target (replacing it); `create_atomically` links, which refuses an
existing name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

# Ends the name of every temporary file of ours, so that one a killed process left can be recognised.
TEMPORARY_SUFFIX = ".butler-tmp"


class LeftBehind(Exception):
    """`create_atomically` failed with `cause`, and files it had made could not be removed again."""

    def __init__(self, cause: OSError, left: tuple[tuple[Path, OSError], ...]) -> None:
        super().__init__(cause, left)
        self.cause = cause
        self.left = left
        """Each file still on disk, with the error that kept it there."""


def write_atomically(
    path: Path, text: str, *, mode: int = 0o644, before_commit: Callable[[], None] | None = None
) -> None:
    """Replace `path` with `text`; a file already there keeps its own mode. `before_commit` runs once the
    text is on disk under a temporary name: the file takes its name only if it returns."""
    tmp = finished_temporary(path, text, kept_mode(path, mode))
    try:
        if before_commit is not None:
            before_commit()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    sync_folder(path.parent)


def create_atomically(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Create `path` holding `text`, all or nothing, never replacing whatever is there.

    A hard link names the finished temporary file: unlike a rename it fails (FileExistsError) when the name
    is taken, in the same step that would take it, so a file another process creates meanwhile is never
    replaced. On any failure what this call made is removed again before the error is re-raised; when that
    removal fails too, `LeftBehind` names what stayed.
    """
    tmp = finished_temporary(path, text, mode)
    linked = False
    try:
        os.link(tmp, path)
        linked = True
        os.unlink(tmp)
        # Until the folder is on disk, a crash could lose the new name; that counts as not created.
        sync_folder(path.parent)
    except BaseException as error:
        left = remove_all([tmp, path] if linked else [tmp])
        if left and isinstance(error, OSError):
            raise LeftBehind(error, left) from error
        raise


def kept_mode(path: Path, default: int) -> int:
    """The mode of the file at `path`, which its replacement keeps; `default` when there is none."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return default


def finished_temporary(path: Path, text: str, mode: int, *, suffix: str = TEMPORARY_SUFFIX) -> Path:
    """A hidden file beside `path` holding `text` on disk with `mode`, to be given `path`'s name."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return Path(tmp_name)


def remove_durably(path: Path) -> None:
    """Remove the file at `path` (a missing one is fine) and make the removal survive a crash."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    sync_folder(path.parent)


def remove_all(paths: Iterable[Path]) -> tuple[tuple[Path, OSError], ...]:
    """Unlink each of `paths` (missing ones are fine); each that stayed, with the error that kept it."""
    left = []
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            left.append((path, error))
    return tuple(left)


def sync_folder(folder: Path) -> None:
    # A rename, link or unlink is durable only once the folder itself is on disk.
    folder_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)
