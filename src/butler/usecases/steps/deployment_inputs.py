"""Phase 3's input files, read by the tasks that plan from them (preparing a deployment, funding it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from butler.domain.deployment import DeploymentInputs
from butler.domain.errors import InputError, Problem
from butler.ports.key_files import KeyFiles

T = TypeVar("T")


def read_deployment_inputs(
    production: Path, new_public_keys: Path, publishers: Path, files: KeyFiles
) -> DeploymentInputs:
    """Phase 3's three files, reporting the problems of every one of them at once."""
    problems: list[str | Problem] = []

    def attempt(read: Callable[[Path], T], path: Path) -> T | None:
        try:
            return read(path)
        except InputError as error:
            problems.extend(error.problems)
            return None

    production_keyfile = attempt(files.read_production_keyfile, production)
    new = attempt(files.read_public_keys, new_public_keys)
    sets = attempt(files.read_available_publishers, publishers)
    if production_keyfile is None or new is None or sets is None:
        raise InputError(*problems)
    return DeploymentInputs(
        production=production_keyfile,
        production_file=str(production),
        new=new,
        new_file=str(new_public_keys),
        publishers=sets,
        publishers_file=str(publishers),
    )
