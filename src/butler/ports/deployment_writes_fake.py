"""In-memory deployment writes for tests, over the fake key files and scraper configs: the failures
those are arranged with (a create or write that fails, a file appearing, a removal that fails) fail
the set, and the keyfiles already created are removed again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from butler.domain.errors import ButlerError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.scraper_config import ScraperConfig
from butler.ports.deployment_writes import NOTHING_WRITTEN, DeploymentWrites, KeyfileTaken
from butler.ports.json_documents_fake import FakeJsonDocuments
from butler.ports.key_files import KeyfileExists, KeyfileLeftBehind
from butler.ports.key_files_fake import FakeKeyFiles


class FakeDeploymentWrites:
    def __init__(self, files: FakeKeyFiles, scraper_configs: FakeJsonDocuments[ScraperConfig]) -> None:
        self.files = files
        self.scraper_configs = scraper_configs
        self.interrupted: list[str] = []
        """Lines `recover` reports, as if an interrupted run had left them (consumed by it)."""

    def recover(self, folder: Path, scraper_config: Path) -> Sequence[str]:
        done, self.interrupted = self.interrupted, []
        return done

    def write_set(
        self, keyfiles: Sequence[tuple[Path, ProductionKeyfile]], scraper_config: Path, config: ScraperConfig
    ) -> None:
        created: list[Path] = []
        try:
            for path, keyfile in keyfiles:
                self.files.create_production_keyfile(path, keyfile)
                created.append(path)
            self.scraper_configs.write(scraper_config, config)
        except ButlerError as failure:
            raise self._undone(failure, created) from None

    def _undone(self, failure: ButlerError, created: list[Path]) -> ButlerError:
        problems = list(failure.problems)
        left = list(failure.paths) if isinstance(failure, KeyfileLeftBehind) else []
        for path in reversed(created):
            try:
                self.files.remove(path)
            except ButlerError as error:
                problems += error.problems
                left.append(path)
        if left:
            problems.append(
                f"left behind, remove by hand: {', '.join(map(str, left))}; nothing else was written"
            )
        elif created:
            removed = ", ".join(map(str, created))
            problems.append(
                f"{NOTHING_WRITTEN}: the keyfile(s) already created were removed again ({removed})"
            )
        else:
            problems.append(NOTHING_WRITTEN)
        if isinstance(failure, KeyfileExists):
            return KeyfileTaken(failure.path, *problems)
        return ButlerError(*problems)


_CONFORMS: type[DeploymentWrites] = FakeDeploymentWrites
