"""Errors the core raises for expected problems. Entry points turn them into exit codes."""

from __future__ import annotations


class ButlerError(Exception):
    """An expected problem, reported as one line per problem on stderr, without a traceback."""

    exit_code = 1

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems: tuple[str, ...] = problems

    def __str__(self) -> str:
        return "\n".join(self.problems)


class UsageError(ButlerError):
    """The command was called wrongly (bad flags, missing or invalid config)."""

    exit_code = 2


class InputError(ButlerError):
    """An input file or value is malformed. Messages never contain key material."""


class CheckFailed(ButlerError):
    """A safety check refused to proceed (duplicates, already registered, ...)."""


class ChainError(ButlerError):
    """The chain could not be read, or disagreed with the configuration."""
