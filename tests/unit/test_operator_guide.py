"""The operator guide and the demo that follows it stay in step: every step of the guide is a step of
`./dev demo` (its headings), and every command the guide's table names exists."""

from __future__ import annotations

import re

from butler.entrypoints import cli
from tests.conftest import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "operator-guide.md"
DEMO = REPO_ROOT / "scripts" / "demo.py"


def test_the_demo_runs_every_step_of_the_guide_in_order():
    guide_steps = [int(n) for n in re.findall(r"^## Step (\d+):", GUIDE.read_text(), re.MULTILINE)]
    demo_steps = [int(n) for n in re.findall(r'heading\(\s*"step (\d+):', DEMO.read_text())]
    assert guide_steps == list(range(1, len(guide_steps) + 1))
    assert sorted(demo_steps) == guide_steps


def test_every_aztec_butler_command_in_the_guide_exists():
    named = set(re.findall(r"`aztec-butler ([a-z-]+)", GUIDE.read_text()))
    assert named <= set(cli.COMMANDS)
    assert {"fill-coinbases", "queue-stats", "scrape-coinbases"} <= named
