"""How the CLIs talk to the operator: errors, progress and notes on stderr; data on stdout."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from butler.domain.errors import ButlerError, Problem
from butler.domain.redaction import redact

_known_secrets: set[str] = set()


def remember_secret(secret: str) -> None:
    """Mask `secret` (a token, an API key) wherever this process would show it from now on."""
    _known_secrets.add(secret)


def redacted(text: str) -> str:
    """`text` as it may leave the process: the one redaction rule, with every secret this run read (the
    values marked `shown` where they were made pass)."""
    return redact(text, _known_secrets)


SHORT_FLAGS_SHOWN = {"output": "-o"}
"""Inputs that messages name by their short flag (the same in every command, see `options`)."""


def flag_for(name: str, flags: Mapping[str, str] = SHORT_FLAGS_SHOWN) -> str:
    """The flag that gives the input `name`: `flags[name]`, else plac's long option for a parameter of
    that name (`chunk_size` -> `--chunk-size`). An entry point whose flag is named otherwise passes its
    own `flags`."""
    return flags.get(name) or "--" + name.replace("_", "-")


def shown(message: str | Problem, flags: Mapping[str, str] = SHORT_FLAGS_SHOWN) -> str:
    """`message` as the operator reads it: the inputs a problem names shown as their flags."""
    if isinstance(message, Problem):
        return message.render(lambda name: flag_for(name, flags))
    return message


def report_error(
    error: ButlerError, stream: TextIO | None = None, flags: Mapping[str, str] = SHORT_FLAGS_SHOWN
) -> int:
    out = stream if stream is not None else sys.stderr
    for problem in error.problems:
        out.write(redacted(f"error: {shown(problem, flags)}") + "\n")
    return error.exit_code


def note(message: str | Problem) -> None:
    sys.stderr.write(redacted(shown(message)) + "\n")


class RedactingStream(io.TextIOBase):
    """stderr for the whole process: whole lines, each redacted, to the real stream. `unredacted` is the
    real stream, for the one writer that must show keys (the console secret store)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.unredacted = stream
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        if lines:
            self.unredacted.write("".join(redacted(line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.unredacted.write(redacted(self._pending))
            self._pending = ""
        self.unredacted.flush()

    def fileno(self) -> int:
        return self.unredacted.fileno()

    def isatty(self) -> bool:
        return self.unredacted.isatty()


class ProgressLine:
    """Progress for long work, at most one line per `interval`: from the start when the total is at least
    `min_total`, else once the work has taken `delay` seconds (a slow node makes a short scan long)."""

    def __init__(
        self,
        verb: str,
        *,
        min_total: int = 500,
        interval: float = 1.0,
        delay: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._verb = verb
        self._min_total = min_total
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._delay = delay
        self._last = self._started
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if total < self._min_total and not self._shown and now - self._started < self._delay:
            return
        if (
            done == total and (self._shown or total >= self._min_total)
        ) or now - self._last >= self._interval:
            self._last = now
            self._shown = True
            sys.stderr.write(f"{self._verb} {done:,}/{total:,} ({100 * done // total}%)\n")


def run_plac(function: object, prog: str, argv: list[str], *, repeatable: Sequence[str] = ()) -> int:
    """Parse `argv` for `function` with plac and call it (see `parse_plac`); returns the function's exit
    code (None counts as 0)."""
    return int(parse_plac(function, prog, argv, repeatable=repeatable) or 0)


def parse_plac(function: object, prog: str, argv: list[str], *, repeatable: Sequence[str] = ()) -> Any:
    """Parse `argv` for `function` with plac, call it and return what it returns (a command's parsed
    options); `--help` shows the function's docstring and exits.

    The options named in `repeatable` take one or more values and may be given more than once; the
    function receives all their values as one list (None when absent)."""
    import argparse
    import inspect

    import plac_core as plac

    from butler.entrypoints.options import without_placeholder_shorts

    parser = plac.parser_from(
        function,
        prog=prog,
        description=inspect.cleandoc(getattr(function, "__doc__", None) or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    without_placeholder_shorts(parser)
    for action in parser._actions:
        if action.dest in repeatable:
            # plac cannot declare such an option; argparse's own `extend` action collects every value.
            action.__class__ = argparse._ExtendAction
            action.nargs = "+"
    _, result = parser.consume(argv)
    return result


# A command takes its name and its own arguments and returns an exit code.
CommandRunner = Callable[[str, list[str]], int]


def dispatch(
    prog: str, overview: str, find: Callable[[str], CommandRunner | None], argv: Sequence[str]
) -> int:
    """Run `prog COMMAND ARGS...`: the overview on --help, exit codes for expected errors, no traceback."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        # Without a command it is a usage error, and its overview goes to stderr like every error.
        (sys.stdout if argv else sys.stderr).write(overview)
        return 0 if argv else 2
    name, *rest = argv
    try:
        command = find(name)
        if command is None:
            sys.stderr.write(
                redacted(f"error: unknown command {name!r}; run `{prog} --help` for the list") + "\n"
            )
            return 2
        return command(name, rest)
    except ButlerError as error:
        return report_error(error)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


def exit_with(run: Callable[[Sequence[str]], int]) -> None:
    """Call `run` on the process's arguments and exit with its code, surviving a closed stdout."""
    if sys.stdout is None:
        # Started with stdout closed: give descriptor 1 to /dev/null before a file we open could take it.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stderr is not None and not isinstance(sys.stderr, RedactingStream):
        # Everything on stderr (argparse's echo of a bad value included) passes the redaction rule.
        sys.stderr = RedactingStream(sys.stderr)
    try:
        code = run(sys.argv[1:])
        sys.stdout.flush()
        if sys.stderr is not None:
            sys.stderr.flush()
    except BrokenPipeError:
        # Whoever read stdout has gone (e.g. `| head`). Point stdout at /dev/null so that the flush at
        # exit does not raise again and print a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside, SIGTERM stops the command as Ctrl-C does (KeyboardInterrupt), so that the same clean-up
    runs for both instead of the process dying mid-write."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
