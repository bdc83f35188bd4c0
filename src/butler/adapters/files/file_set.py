"""Several files written all or nothing, through interruptions, kill -9 and power loss.

Every file is first staged under a hidden temporary name beside its target (`.<name>.<random>` +
STAGED_SUFFIX, on disk). Then a journal naming each staged file and its target is put in place
atomically: from that moment the set is committed in a fixed order: the new files get their names by
hard links (a link never replaces a file: a name taken meanwhile fails the set), then the one file to
replace is renamed over its target. That rename is the commit point. Afterwards the staged names and the
journal are removed.

`recover` runs before anything else on the next run. A journal whose replacing file is still staged
belongs to a set that never reached its commit point: the names it linked (recognised as the very same
files as their staged twins, so another process's file is never touched) and the staged files are
removed. A journal whose replacing file is gone was committed: only its leftovers are removed. Staged
files no journal names were left by a run stopped while staging, and are removed too.

SIGINT and SIGTERM are blocked while each file is staged and listed, from the journal to the end of the
commit, and during a rollback, so a signal either stops the run before the commit point, undoing
everything, or is delivered once the set is complete. A stop before the journal (any exception,
KeyboardInterrupt included) removes what was staged.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from butler.adapters.files.atomic_file import (
    TEMPORARY_SUFFIX,
    finished_temporary,
    kept_mode,
    remove_all,
    sync_folder,
    write_atomically,
)

STAGED_SUFFIX = ".butler-staged"
JOURNAL_NAME = ".aztec-butler-file-set.journal"
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class Taken(Exception):
    """`path` appeared after the caller's checks; nothing of the set was kept."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.path = path


class NotWritten(Exception):
    """Writing `path` failed with `cause`; nothing of the set was kept except `left` (path, error)."""

    def __init__(self, path: Path, cause: OSError, left: tuple[tuple[Path, OSError], ...]) -> None:
        super().__init__(path, cause, left)
        self.path = path
        self.cause = cause
        self.left = left


@attrs.frozen
class NewFile:
    path: Path
    text: str
    mode: int = 0o644


def commit(journal_folder: Path, created: Sequence[NewFile], replaced: NewFile) -> None:
    """Create every file of `created` (never replacing one) and replace `replaced`, all or nothing.

    `replaced` keeps the mode of the file it replaces, if there is one. Raises `Taken` or `NotWritten`.
    """
    staged: list[tuple[Path, NewFile]] = []
    linked: list[tuple[Path, Path]] = []
    journal = journal_folder / JOURNAL_NAME
    committed = False
    try:
        for new in [*created, attrs.evolve(replaced, mode=kept_mode(replaced.path, replaced.mode))]:
            # Held from the file's creation until it is listed: a signal in between would leave it behind.
            with _signals_held():
                try:
                    staged.append((_stage(new), new))
                except OSError as error:
                    raise _Failed(new.path, error) from None
        with _signals_held():
            try:
                _write_journal(journal, [(tmp, new.path) for tmp, new in staged[:-1]], staged[-1])
            except OSError as error:
                raise _Failed(journal, error) from None
            for tmp, new in staged[:-1]:
                try:
                    os.link(tmp, new.path)
                except FileExistsError:
                    raise Taken(new.path) from None
                except OSError as error:
                    raise _Failed(new.path, error) from None
                linked.append((tmp, new.path))
            try:
                for folder in {new.path.parent for _, new in staged}:
                    sync_folder(folder)
                os.rename(staged[-1][0], replaced.path)  # the commit point
            except OSError as error:
                raise _Failed(replaced.path, error) from None
            committed = True
            _finish(journal, [tmp for tmp, _ in staged[:-1]], [replaced.path.parent])
    except BaseException as error:
        if committed:  # a signal held during the commit, delivered now: the set is complete
            raise
        with _signals_held():
            left = _undo(journal, [tmp for tmp, _ in staged], linked)
        if isinstance(error, _Failed):
            raise NotWritten(error.path, error.cause, left) from None
        raise


def recover(folders: Sequence[Path], journal_folder: Path) -> list[str]:
    """Complete or undo a set an interrupted `commit` left behind, and remove stale staged files from
    `folders` (and the journal's), our single-file temporaries included; one line per thing done, for
    the operator."""
    done: list[str] = []
    journal = journal_folder / JOURNAL_NAME
    with _signals_held():
        if os.path.lexists(journal):
            done += _recover_journal(journal)
        for folder in dict.fromkeys([journal_folder, *folders]):
            for stale in _staged_in(folder):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(stale)
                done.append(f"removed {stale}, left by an interrupted run")
    return done


class _Failed(Exception):
    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(path, cause)
        self.path = path
        self.cause = cause


def _recover_journal(journal: Path) -> list[str]:
    record = json.loads(journal.read_text(encoding="utf-8"))
    created = [(Path(tmp), Path(final)) for tmp, final in record["created"]]
    replaced_tmp, replaced = Path(record["replaced"][0]), Path(record["replaced"][1])
    if os.path.lexists(replaced_tmp):
        ours = [(tmp, final) for tmp, final in created if _same_file(tmp, final)]
        left = _undo(journal, [tmp for tmp, _ in created] + [replaced_tmp], ours)
        if left:
            names = ", ".join(f"{path} ({error.strerror})" for path, error in left)
            return [f"an interrupted run's files could not all be removed: {names}"]
        removed = ", ".join(str(final) for _, final in ours) or "no file had been named yet"
        return [f"an interrupted run had not finished writing its files: removed them again ({removed})"]
    _finish(journal, [tmp for tmp, _ in created], [])
    if not all(os.path.lexists(final) for _, final in created):
        # Only an undo removes names after the commit point's file is gone: it was stopped before the end.
        return ["an interrupted run had been taking its files back: finished doing so"]
    names = ", ".join(str(final) for _, final in [*created, (replaced_tmp, replaced)])
    return [f"an interrupted run had written all its files ({names}): kept them"]


def _stage(new: NewFile) -> Path:
    return finished_temporary(new.path, new.text, new.mode, suffix=STAGED_SUFFIX)


def _write_journal(journal: Path, created: list[tuple[Path, Path]], replaced: tuple[Path, NewFile]) -> None:
    record = {
        "created": [[str(tmp.absolute()), str(final.absolute())] for tmp, final in created],
        "replaced": [str(replaced[0].absolute()), str(replaced[1].path.absolute())],
    }
    write_atomically(journal, json.dumps(record), mode=0o600)


def _finish(journal: Path, staged: list[Path], folders: list[Path]) -> None:
    """After the commit point: the leftovers go; a failure here is tidied by the next `recover`."""
    with contextlib.suppress(OSError):
        for tmp in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        for folder in {*folders, *(tmp.parent for tmp in staged)}:
            sync_folder(folder)
        os.unlink(journal)
        sync_folder(journal.parent)


def _undo(
    journal: Path, staged: list[Path], linked: list[tuple[Path, Path]]
) -> tuple[tuple[Path, OSError], ...]:
    """Remove the names given and the staged files, then the journal: the staged file to replace with,
    whose presence says "not committed", goes last but one, so an undo interrupted in turn is redone."""
    left = remove_all([*(final for _, final in reversed(linked)), *staged])
    if not left:
        with contextlib.suppress(OSError):
            for folder in {p.parent for p in staged} | {final.parent for _, final in linked}:
                sync_folder(folder)
            if os.path.lexists(journal):
                os.unlink(journal)
                sync_folder(journal.parent)
    return left


def _staged_in(folder: Path) -> Iterator[Path]:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(".") and name.endswith((STAGED_SUFFIX, TEMPORARY_SUFFIX)):
            yield folder / name


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (they are delivered then), in the main thread."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    except (ValueError, OSError):  # not the main thread: signals are the main thread's anyway
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
