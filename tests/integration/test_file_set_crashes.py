"""A file set committed by a process that dies (os._exit, as kill -9 would stop it) before its n-th
file-system call, for every n: `recover` then leaves the whole set or none of it, says which, and
removes every temporary file and the journal. Also signals: SIGTERM/SIGINT during the writes."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from butler.adapters.files import file_set
from butler.adapters.files.file_set import NewFile

CALLS = ("open", "link", "rename", "unlink", "fsync", "replace", "chmod")
OLD_CONFIG = "old scraper config\n"


def arrange(tmp_path: Path) -> tuple[Path, Path, list[NewFile], NewFile]:
    keys, data = tmp_path / "keys", tmp_path / "data"
    keys.mkdir()
    data.mkdir()
    (data / "config.json").write_text(OLD_CONFIG)
    os.chmod(data / "config.json", 0o640)
    created = [NewFile(keys / f"{name}_prod.json.new", f"keyfile {name}\n" * 1000) for name in "ABC"]
    return keys, data, created, NewFile(data / "config.json", "new scraper config\n")


def die_at(n: int) -> None:
    """From now on, the n-th call of any file-system function in CALLS ends the process at once."""
    count = [0]

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            if count[0] == n:
                os._exit(9)
            return original(*args, **kwargs)

        return call

    for name in CALLS:
        setattr(os, name, wrap(getattr(os, name)))


def in_child(work: Callable[[], None]) -> int:
    """Run `work` in a forked process; its exit status (0 when it returned)."""
    pid = os.fork()
    if pid == 0:
        try:
            work()
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def outcome(keys: Path, data: Path, created: list[NewFile], replaced: NewFile) -> str:
    present = [os.path.exists(new.path) for new in created]
    config = replaced.path.read_text()
    leftovers = [name for folder in (keys, data) for name in os.listdir(folder) if name.startswith(".")]
    if leftovers:
        return f"leftovers {leftovers}"
    if not any(present) and config == OLD_CONFIG:
        return "none"
    if all(present) and config == replaced.text:
        assert all(new.path.read_text() == new.text for new in created)
        return "all"
    return f"partial: keyfiles {present}, config {'new' if config == replaced.text else 'old'}"


def test_a_crash_before_any_file_system_call_leaves_all_or_nothing_after_recovery(tmp_path: Path) -> None:
    seen: dict[str, int] = {}
    n = 1
    while True:
        root = tmp_path / f"crash-{n}"
        root.mkdir()
        keys, data, created, replaced = arrange(root)
        code = in_child(lambda: (die_at(n), file_set.commit(keys, created, replaced)))  # noqa: B023
        said = file_set.recover([data], keys)
        result = outcome(keys, data, created, replaced)
        assert result in ("none", "all"), f"crash at call {n}: {result}; recovery said {said}"
        if result == "all":
            assert (replaced.path.stat().st_mode & 0o777) == 0o640, "the replaced file keeps its mode"
        if code == 0:
            assert result == "all" and said == []
            break
        assert code == 9
        if os.path.lexists(keys / file_set.JOURNAL_NAME) is False and said:
            assert all("interrupted run" in line for line in said)
        seen[result] = seen.get(result, 0) + 1
        n += 1
    # Crashes landed both before and after the commit point, and the recovery told the operator.
    assert seen.get("none", 0) > 0 and seen.get("all", 0) > 0, seen


def test_the_recovery_says_what_it_did(tmp_path: Path) -> None:
    keys, data, created, replaced = arrange(tmp_path)
    journal_written = [False]

    def crash_after_first_link() -> None:
        real_link = os.link

        def link(src: Any, dst: Any) -> None:
            real_link(src, dst)
            os._exit(9)

        os.link = link  # type: ignore[assignment]
        file_set.commit(keys, created, replaced)

    assert in_child(crash_after_first_link) == 9
    journal_written[0] = os.path.exists(keys / file_set.JOURNAL_NAME)
    assert os.path.exists(created[0].path), "half a set is visible until the next run"

    said = file_set.recover([data], keys)

    assert journal_written[0]
    assert said == [
        f"an interrupted run had not finished writing its files: removed them again ({created[0].path})"
    ]
    assert outcome(keys, data, created, replaced) == "none"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_staging_takes_everything_back(tmp_path: Path, stop: signal.Signals) -> None:
    keys, data, created, replaced = arrange(tmp_path)

    def signalled_at_the_second_file() -> None:
        # As in the command: Ctrl-C and SIGTERM raise KeyboardInterrupt (whatever the test process set).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        real_fsync = os.fsync
        calls = [0]

        def fsync(fd: int) -> None:
            calls[0] += 1
            if calls[0] == 2:
                os.kill(os.getpid(), stop)
            real_fsync(fd)

        os.fsync = fsync  # type: ignore[assignment]
        file_set.commit(keys, created, replaced)

    assert in_child(signalled_at_the_second_file) == 1  # KeyboardInterrupt, after the clean-up
    assert outcome(keys, data, created, replaced) == "none"
    assert file_set.recover([data], keys) == []
