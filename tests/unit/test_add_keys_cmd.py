"""`aztec-butler add-keys` failures that need no chain: one line on stderr, the right exit code, nothing on
stdout, and never a key or a traceback. (The command against a chain is tested on the devnet.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from butler.entrypoints.cli import run
from tests.unit.command_world import real_services

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
CONFIG = """
network = "testnet"
chain_id = 11155111
rpc_url = "http://127.0.0.1:{port}"
staking_registry = "0xc3860c45e5F0b1eF3000dbF93149756f16928ADB"
rollup = "0xc3860c45e5f0b1ef3000dbf93149756f16928adb"
provider_id = 7
"""


@pytest.fixture
def workdir(tmp_path: Path, closed_port: int) -> Path:
    (tmp_path / "net.toml").write_text(CONFIG.format(port=closed_port))
    return tmp_path


def add_keys(workdir: Path, *args: str) -> int:
    """`aztec-butler add-keys WORKDIR/keys.json -c WORKDIR/net.toml ARGS`, with no environment."""
    argv = ["add-keys", str(workdir / "keys.json"), "-c", str(workdir / "net.toml"), *args]
    return run(argv, real_services(workdir))


def test_the_command_is_listed_in_the_overview(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert "add-keys" in capsys.readouterr().out


@pytest.mark.parametrize("size", ["0", "-2"])
def test_a_chunk_size_below_one_is_a_usage_error(
    workdir: Path, reference_dir: Path, capsys: pytest.CaptureFixture[str], size: str
) -> None:
    shutil.copy(reference_dir / PHASE1, workdir / "keys.json")
    assert add_keys(workdir, "--chunk-size", size) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: --chunk-size must be at least 1, got {size}\n"


def test_a_malformed_key_is_named_without_its_text_before_the_chain_is_asked(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short_key = "0x" + "ab" * 31
    validator = {
        "attester": {"eth": short_key, "bls": f"0x{5:064x}"},
        "publisher": f"0x{6:064x}",
        "feeRecipient": f"0x{0:064x}",
    }
    (workdir / "keys.json").write_text(json.dumps({"schemaVersion": 1, "validators": [validator]}))
    # The config points at a closed port: reaching the chain would be a different error.
    assert add_keys(workdir) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        f"error: {workdir / 'keys.json'}: validators[0].attester.eth: must be 0x followed by"
    )
    assert len(captured.err.splitlines()) == 1
    assert "ab" * 31 not in captured.err
