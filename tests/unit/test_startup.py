"""`--help` of every command, run as a user runs it: it answers without loading the cryptography (the
hash, the curves and their C bindings), which is most of a command's start-up time (bench/bench_startup.py
measures it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from butler.entrypoints import cli, devnet_cli

CRYPTO_MODULES = ("Crypto", "coincurve", "cffi", "_cffi_backend", "eth_hash", "eth_keys", "py_ecc")
HEAVY_MODULES = ("web3", "eth_abi", "requests", "tkinter")

HELP_RUNS = [
    ("cli", ["--help"]),
    *[("cli", [name, "--help"]) for name in cli.COMMANDS],
    ("scraper.main", ["--help"]),
    ("devnet_cli", ["--help"]),
    *[("devnet_cli", [name, "--help"]) for name in devnet_cli.COMMANDS],
]

PROBE = """
import json, sys
from butler.entrypoints.{module} import run
try:
    code = run({argv!r})
except SystemExit as exit:  # argparse ends the process after printing a command's help
    code = exit.code
print(json.dumps({{"code": code, "loaded": sorted(m for m in {watched!r} if m in sys.modules)}}))
"""


def _run_id(value: object) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


@pytest.mark.parametrize(("module", "argv"), HELP_RUNS, ids=_run_id)
def test_help_loads_no_cryptography(module, argv):
    probe = PROBE.format(module=module, argv=argv, watched=CRYPTO_MODULES + HEAVY_MODULES)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    help_text, _, last_line = done.stdout.rstrip("\n").rpartition("\n")
    result = json.loads(last_line)
    assert result == {"code": 0, "loaded": []}
    assert "usage:" in help_text
