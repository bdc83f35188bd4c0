"""Writing prepare-deployment's set of files: its keyfiles and the scraper config update, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from butler.domain.errors import CheckFailed, Problem
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scraper_config import ScraperConfig

NOTHING_WRITTEN = "nothing was written"


class KeyfileTaken(CheckFailed):
    """`write_set` found `path` taken by a file that appeared after the caller's checks; that file was left
    as it was, and nothing of the set was kept."""

    def __init__(self, path: Path, *problems: str | Problem) -> None:
        super().__init__(*problems)
        self.path = path


class DeploymentWrites(Protocol):
    def recover(self, folder: Path, scraper_config: Path) -> Sequence[str]:
        """Complete or take back a set an interrupted run left in `folder` (and beside `scraper_config`),
        and remove the temporary files such a run left there. Returns one line per thing done, for the
        operator; empty when there was nothing to do."""
        ...

    def write_set(
        self, keyfiles: Sequence[tuple[Path, ProductionKeyfile]], scraper_config: Path, config: ScraperConfig
    ) -> None:
        """Create every keyfile (never replacing a file) and replace the scraper config (creating its
        folders), all or nothing, also when the process is stopped meanwhile.

        `KeyfileTaken` when a keyfile's name was taken after the caller's checks; any other failure
        raises ButlerError naming the file and the reason. Either way its last problem starts with
        NOTHING_WRITTEN, or names what could not be removed again.
        """
        ...
