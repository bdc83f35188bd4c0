"""A clone of the repository is all its code, tests, scripts and benchmarks need: nothing reads a
folder beside the checkout (such as the `shared` folder the reference material once lived in).
.ci/run proves it by running the test suite in a clone in an empty folder; this catches it earlier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CHECKED = ("src", "tests", "scripts", "bench", ".ci", "dev")
TEXT = {".py", ".sh", ".mjs", ".js", ".toml", ".md", ".cfg", ".txt", ".yml", ".yaml", ".sol", ""}
# The parent folder then `shared`, a path component `/shared/`, or "shared" as a whole string (a path joined
# in pieces).
SIBLING = re.compile(r"\.\.[/\\]shared\b|[/\\]shared[/\\]|(['\"])shared\1")


def offending_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if SIBLING.search(line)]


# The examples are put together from pieces, so that this file does not itself hold what it looks for.
FOLDER = "shared"


@pytest.mark.parametrize(
    "line",
    [
        f'REFERENCE = ROOT.parent / "{FOLDER}" / "key-flow"',
        f"open('../{FOLDER}/SPEC.md')",
        f"cp -r /srv/{FOLDER}/vectors tests/",
    ],
)
def test_the_pattern_sees_a_sibling_folder_in_any_spelling(line):
    assert offending_lines(line) == [1]


def test_shared_as_a_plain_word_is_not_a_path():
    assert offending_lines("the devnet is shared by the session; shared_state = {}") == []


def test_nothing_in_the_repository_reads_a_folder_beside_it():
    paths = [
        path
        for top in CHECKED
        for path in ([REPO_ROOT / top] if (REPO_ROOT / top).is_file() else (REPO_ROOT / top).rglob("*"))
        if path.is_file()
        and path.suffix in TEXT
        and "node_modules" not in path.parts
        # This file's own examples above name such a folder on purpose.
        and path != Path(__file__).resolve()
    ]
    assert len(paths) > 100
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{n}"
        for path in paths
        for n in offending_lines(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
