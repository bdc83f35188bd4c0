"""`aztec-butler-devnet` as an operator runs it: `up` in one process, actions from others."""

from __future__ import annotations

import os
import queue
import signal
import stat
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.devnet

SCRIPT = Path(sys.executable).parent / "aztec-butler-devnet"
COMMAND = (
    [str(SCRIPT)]
    if SCRIPT.exists()
    else [sys.executable, "-c", "from butler.entrypoints.devnet_cli import main; main()"]
)
READY_TIMEOUT_S = 60


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


class UpProcess:
    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [*COMMAND, "up"], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line)

    def ready_line(self) -> str:
        try:
            return self.lines.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            pytest.fail("`aztec-butler-devnet up` printed nothing")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


@pytest.fixture
def up(tmp_path: Path) -> Iterator[UpProcess]:
    process = UpProcess(tmp_path)
    try:
        yield process
    finally:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait()


def test_up_runs_a_devnet_until_sigterm(tmp_path: Path, up: UpProcess) -> None:
    line = up.ready_line()
    assert "ready" in line
    config_path = tmp_path / "devnet.toml"
    config = tomllib.loads(config_path.read_text())
    assert config["rpc_url"] in line and "devnet.toml" in line
    key_file = tmp_path / "devnet-proposer.key"
    assert config["safe_proposer_key_file"] == "devnet-proposer.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    funded = run(tmp_path, "fund", "--eth", "0.5", "0x000000000000000000000000000000000000dEaD")
    assert funded.returncode == 0, funded.stderr
    assert "funded 0x000000000000000000000000000000000000dEaD with 0.5 ETH" in funded.stdout

    added = run(tmp_path, "add-keys", "--count", "2")
    assert added.returncode == 0, added.stderr
    assert len(added.stdout.splitlines()) == 2
    staked = run(tmp_path, "stake", "--count", "2")
    assert staked.returncode == 0, staked.stderr
    assert all("-> coinbase 0x" in line for line in staked.stdout.splitlines())

    too_many = run(tmp_path, "stake", "--count", "1")
    assert too_many.returncode == 1
    assert too_many.stderr.strip() == "error: provider 1 has 0 queued key(s), cannot stake 1"

    assert up.stop() == 0
    pid_gone = run(tmp_path, "flush", "--count", "1")
    assert pid_gone.returncode == 1
    assert "devnet not reachable" in pid_gone.stderr
    assert "Traceback" not in pid_gone.stderr


def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path) -> None:
    bad_address = run(tmp_path, "exit", "0xnot-an-address")
    assert bad_address.returncode == 2
    assert bad_address.stderr.startswith("error: bad address")
    no_config = run(tmp_path, "flush", "--config", os.fspath(tmp_path / "missing.toml"))
    assert no_config.returncode == 2
    assert "no devnet config here" in no_config.stderr
    zero = run(tmp_path, "stake", "--count", "0")
    assert zero.returncode == 2
    assert zero.stderr == "error: --count must be at least 1, got 0\n"
    for result in (bad_address, no_config, zero):
        assert "Traceback" not in result.stderr
