"""prepare-deployment's keyfiles and scraper config update on the local filesystem, as one file set."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from butler.adapters.files import codecs, file_set
from butler.domain.errors import ButlerError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scraper_config import ScraperConfig
from butler.ports.deployment_writes import NOTHING_WRITTEN, KeyfileTaken


class LocalDeploymentWrites:
    """The journal lives in the keyfiles' folder: the next run there finds what an interrupted one left."""

    def recover(self, folder: Path, scraper_config: Path) -> Sequence[str]:
        try:
            return file_set.recover([scraper_config.parent], folder)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ButlerError(
                f"{folder / file_set.JOURNAL_NAME}: cannot finish what an interrupted run left: "
                f"{_reason(error)}; remove the files it names by hand, then the journal"
            ) from None

    def write_set(
        self, keyfiles: Sequence[tuple[Path, ProductionKeyfile]], scraper_config: Path, config: ScraperConfig
    ) -> None:
        if not keyfiles:
            raise ValueError("a deployment writes at least one keyfile")
        try:
            os.makedirs(scraper_config.parent, exist_ok=True)
        except OSError as error:
            raise ButlerError(f"{scraper_config}: cannot write: {_reason(error)}", NOTHING_WRITTEN) from None
        try:
            file_set.commit(
                keyfiles[0][0].parent,
                [file_set.NewFile(path, codecs.dump_json(keyfile)) for path, keyfile in keyfiles],
                file_set.NewFile(scraper_config, codecs.dump_json(config)),
            )
        except file_set.Taken as taken:
            raise KeyfileTaken(
                taken.path,
                f"{taken.path}: already exists; creating a keyfile never replaces a file",
                NOTHING_WRITTEN,
            ) from None
        except file_set.NotWritten as failure:
            problems = [f"{failure.path}: cannot write: {_reason(failure.cause)}"]
            problems += [f"{path}: cannot remove: {_reason(error)}" for path, error in failure.left]
            if failure.left:
                left = ", ".join(str(path) for path, _ in failure.left)
                problems.append(f"left behind, remove by hand: {left}; nothing else was written")
            else:
                problems.append(NOTHING_WRITTEN)
            raise ButlerError(*problems) from None


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return f"unreadable journal ({type(error).__name__})"
