"""`fill-coinbases`: the keyfiles again, with every coinbase found on chain written into them.

The keyfiles of one deployment (a whole high-availability set) are written together under one free suffix
(`.new`, `.new2`, ...), never replacing a file; a conflict anywhere, or a failed write, writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from butler.domain.coinbase_fill import FilledKeyfile, fill_keyfile
from butler.domain.config import NetworkConfig
from butler.domain.errors import ButlerError, CheckFailed, InputError, Problem, UsageError
from butler.domain.keyfiles import ProductionKeyfile
from butler.domain.output_names import free_suffixed_names
from butler.ports.json_documents import CoinbaseMappingFiles, ScraperConfigFiles
from butler.ports.key_files import KeyfileLeftBehind, KeyFiles
from butler.usecases.steps.keyfile_removal import remove_again
from butler.usecases.steps.known_coinbases import read_known_coinbases


@attrs.frozen
class FilledFile:
    source: Path
    target: Path | None
    """Where the filled keyfile was written; None when nothing was written."""
    filled: FilledKeyfile


@attrs.frozen
class FillResult:
    files: tuple[FilledFile, ...]

    @property
    def written(self) -> bool:
        return any(f.target is not None for f in self.files)


def fill_coinbases(
    keyfiles: Sequence[Path],
    *,
    network: NetworkConfig,
    files: KeyFiles,
    mappings: CoinbaseMappingFiles,
    mapping_path: Path,
    scraper_configs: ScraperConfigFiles,
    scraper_config_path: Path,
) -> FillResult:
    if not keyfiles:
        raise UsageError(Problem("{keyfile}: name at least one keyfile"))
    if len(set(keyfiles)) != len(keyfiles):
        raise UsageError(Problem("{keyfile}: a keyfile is named twice"))
    read = _read_all(keyfiles, files)
    scraper_config = (
        scraper_configs.read(scraper_config_path) if scraper_configs.exists(scraper_config_path) else None
    )
    known, _ = read_known_coinbases(
        network,
        mappings=mappings,
        mapping_path=mapping_path,
        scraper_config=scraper_config,
        scraper_config_path=scraper_config_path,
    )
    problems: list[str | Problem] = []
    filled: list[FilledKeyfile] = []
    for path, keyfile in zip(keyfiles, read, strict=True):
        try:
            filled.append(fill_keyfile(keyfile, known, str(path)))
        except CheckFailed as conflict:
            problems += conflict.problems
    if problems:
        raise CheckFailed(*problems, "nothing was written")
    if not any(f.filled for f in filled):
        return FillResult(tuple(FilledFile(p, None, f) for p, f in zip(keyfiles, filled, strict=True)))

    names = free_suffixed_names(
        [str(p) for p in keyfiles], _Taken(files), ", ".join(p.name for p in keyfiles)
    )
    targets = [Path(name) for name in names]
    for target in targets:
        files.check_writable(target)
    _create_all(files, list(zip(targets, (f.keyfile for f in filled), strict=True)))
    return FillResult(tuple(FilledFile(p, t, f) for p, t, f in zip(keyfiles, targets, filled, strict=True)))


def _read_all(paths: Sequence[Path], files: KeyFiles) -> list[ProductionKeyfile]:
    """Every keyfile, reporting the problems of all of them at once."""
    problems: list[str | Problem] = []
    read: list[ProductionKeyfile] = []
    for path in paths:
        try:
            read.append(files.read_production_keyfile(path))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(*problems)
    return read


class _Taken:
    def __init__(self, files: KeyFiles) -> None:
        self._files = files

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._files.exists(Path(name))


def _create_all(files: KeyFiles, planned: list[tuple[Path, ProductionKeyfile]]) -> None:
    """Create every file or, when one fails, remove those already created again."""
    created: list[Path] = []
    try:
        for target, keyfile in planned:
            files.create_production_keyfile(target, keyfile)
            created.append(target)
    except ButlerError as failure:
        problems, stayed = remove_again(files, created)
        left = [*(failure.paths if isinstance(failure, KeyfileLeftBehind) else ()), *stayed]
        problems.append(
            f"left behind, remove by hand: {', '.join(map(str, left))}" if left else "nothing was written"
        )
        raise ButlerError(*failure.problems, *problems) from None
