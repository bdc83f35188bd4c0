"""Errors the core raises for expected problems. Entry points turn them into exit codes, and show the
inputs a problem names as the operator gives them (a CLI as its flags)."""

from __future__ import annotations

import string
from collections.abc import Callable

import attrs


def plain_input_name(name: str) -> str:
    """How an input is named outside a command line: its own name, in backquotes (`chunk_size`)."""
    return f"`{name}`"


@attrs.frozen(init=False)
class Problem:
    """One expected problem whose text names inputs of the core (`chunk_size`, `output`, `force`): what
    to change and which input, without knowing how a caller lets the operator give that input.

    `template` is a `str.format` template written in the code, never built from data: each field is
    either one of `values` (data shown as given: a path, a number) or, when no value has its name, an
    input. `render` names the inputs as the caller does; `str()` is the plain rendering."""

    template: str
    values: tuple[tuple[str, str], ...]

    def __init__(self, template: str, **values: object) -> None:
        self.__attrs_init__(template, tuple((name, str(value)) for name, value in values.items()))

    @property
    def inputs(self) -> tuple[str, ...]:
        """The inputs the problem names, in the order it names them."""
        given = dict(self.values)
        fields = (field for _, field, _, _ in string.Formatter().parse(self.template) if field)
        return tuple(dict.fromkeys(field for field in fields if field not in given))

    def render(self, name_input: Callable[[str], str] = plain_input_name) -> str:
        """The text, each input named by `name_input` (a CLI passes its flag for the input)."""
        return self.template.format(**{name: name_input(name) for name in self.inputs}, **dict(self.values))

    def __str__(self) -> str:
        return self.render()


class ButlerError(Exception):
    """An expected problem, reported as one line per problem on stderr, without a traceback."""

    exit_code = 1

    def __init__(self, *problems: str | Problem) -> None:
        super().__init__(*problems)
        self.problems: tuple[str | Problem, ...] = problems

    def __str__(self) -> str:
        return "\n".join(map(str, self.problems))


class UsageError(ButlerError):
    """The command was called wrongly (bad flags, missing or invalid config)."""

    exit_code = 2


class InputError(ButlerError):
    """An input file or value is malformed. Messages never contain key material."""


class CheckFailed(ButlerError):
    """A safety check refused to proceed (duplicates, already registered, ...)."""


class ChainError(ButlerError):
    """The chain could not be read, or disagreed with the configuration."""
