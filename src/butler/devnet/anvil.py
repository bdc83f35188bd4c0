"""An anvil node as a child process on 127.0.0.1."""

from __future__ import annotations

import collections
import ctypes
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from butler.domain.errors import ButlerError

_LISTENING = re.compile(r"Listening on 127\.0\.0\.1:(\d+)")
STARTUP_TIMEOUT_S = 20.0


class AnvilError(ButlerError):
    """anvil did not start or died."""


class Anvil:
    """A running anvil. `stop()` (or leaving the `with` block) terminates it."""

    def __init__(self, binary: Path, port: int = 0, extra_args: list[str] | None = None) -> None:
        self._binary = binary
        self._requested_port = port
        self._extra_args = extra_args or []
        self._process: subprocess.Popen[str] | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._port_found = threading.Event()
        self.port = 0

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Anvil:
        args = [
            str(self._binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(self._requested_port),
            *self._extra_args,
        ]
        self._process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # Its own session: a Ctrl-C meant for `up` must not kill anvil before `up` stops it in order.
            start_new_session=True,
            # Safe with threads here: the hook only calls into an already loaded libc, no Python locks.
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        try:
            # anvil logs every request; an unread pipe would fill up and stall the node.
            stdout = self._process.stdout
            assert stdout is not None
            threading.Thread(target=self._drain, args=(stdout,), name="anvil-stdout", daemon=True).start()
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while not self._port_found.wait(0.05):
                if self._process.poll() is not None or time.monotonic() > deadline:
                    tail = " | ".join(self._tail) or "no output"
                    raise AnvilError(f"anvil did not start: {tail}")
        except BaseException:
            # Also on Ctrl-C: in its own session anvil would not see it and would outlive us.
            self.stop()
            raise
        return self

    def _drain(self, stdout: IO[str]) -> None:
        for line in stdout:
            if not self._port_found.is_set():
                self._tail.append(line.rstrip())
                match = _LISTENING.search(line)
                if match:
                    self.port = int(match.group(1))
                    self._port_found.set()

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends it SIGTERM when its parent dies, even by SIGKILL,
    so a killed `up` or test run cannot leave a node behind."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
