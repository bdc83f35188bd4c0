"""How the CLIs talk to the operator: errors, progress and notes on stderr; data on stdout."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from butler.domain.errors import ButlerError


def report_error(error: ButlerError, stream: TextIO | None = None) -> int:
    out = stream if stream is not None else sys.stderr
    for problem in error.problems:
        out.write(f"error: {problem}\n")
    return error.exit_code


def note(message: str) -> None:
    sys.stderr.write(f"{message}\n")


class ProgressLine:
    """Progress for long work: at most a few lines a second, and only when there is enough to wait for."""

    def __init__(self, verb: str, *, min_total: int = 500, interval: float = 1.0) -> None:
        self._verb = verb
        self._min_total = min_total
        self._interval = interval
        self._last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if total < self._min_total:
            return
        now = time.monotonic()
        if done == total or now - self._last >= self._interval:
            self._last = now
            sys.stderr.write(f"{self._verb} {done:,}/{total:,} ({100 * done // total}%)\n")


def run_plac(function: object, prog: str, argv: list[str]) -> int:
    """Parse `argv` for `function` with plac and call it; `--help` shows the function's docstring.

    Returns the function's exit code (None counts as 0)."""
    import argparse
    import inspect

    import plac

    parser = plac.parser_from(
        function,
        prog=prog,
        description=inspect.cleandoc(getattr(function, "__doc__", None) or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _, result = parser.consume(argv)
    return int(result or 0)
