"""Undoing keyfiles a run created before one of its later writes failed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from butler.domain.errors import ButlerError, Problem
from butler.ports.key_files import KeyFiles


def remove_again(files: KeyFiles, created: Sequence[Path]) -> tuple[list[str | Problem], list[Path]]:
    """Remove `created`, newest first; the problems met and the paths that stay behind."""
    problems: list[str | Problem] = []
    left: list[Path] = []
    for path in reversed(created):
        try:
            files.remove(path)
        except ButlerError as error:
            problems += error.problems
            left.append(path)
    return problems, left
