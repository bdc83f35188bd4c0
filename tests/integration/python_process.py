"""Running product code in a child Python process, as a shell would run the installed commands."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_python(code: str, *args: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -c CODE ARGS...` in `cwd` with exactly `env`; output captured as text, never raising."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
