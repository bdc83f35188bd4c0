"""`aztec-butler-devnet` as an operator runs it: `up` in one process, actions from others;
`add-keys --from` with an operator's private-keys file, run in-process against an isolated devnet; and
what `up` and the actions refuse."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from butler.domain.address import Address
from butler.domain.onchain import AttesterStatus
from tests.integration.devnet_fixture import DevnetHandle

if TYPE_CHECKING:
    from butler.devnet.records import Flushed

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
        # SIGTERM first: anvil runs in its own session, and only `up` stopping in order ends it.
        try:
            process.stop()
        except subprocess.TimeoutExpired:
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


# --- add-keys --from: an operator's own private-keys file, run in-process on an isolated devnet ------

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
PHASE2 = "key-flow/after_phase2/on-dev-machine/new-public-keys.json"


def devnet_command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from butler.entrypoints.devnet_cli import run as run_devnet

    code = run_devnet(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def private_keys_doc(count: int) -> dict[str, Any]:
    from butler.devnet.records import random_validator

    validators = [random_validator() for _ in range(count)]
    return {
        "schemaVersion": 1,
        "validators": [
            {
                "attester": {"eth": v.eth_key.reveal_hex(), "bls": v.bls_key.reveal_hex()},
                "publisher": random_validator().eth_key.reveal_hex(),
                "feeRecipient": "0x" + "00" * 32,
                "coinbase": "0x" + "00" * 20,
            }
            for v in validators
        ],
    }


def write_doc(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def assert_no_key_material(text: str, doc: dict[str, Any]) -> None:
    keys = []
    for validator in doc["validators"]:
        attester = validator.get("attester") or {}
        publishers = validator.get("publisher")
        keys += [attester.get("eth"), attester.get("bls")]
        keys += publishers if isinstance(publishers, list) else [publishers]
    hexes = [k[2:].lower() for k in keys if isinstance(k, str) and len(k) > 40]
    assert hexes
    leaked = [n for n, key in enumerate(hexes) if key in text.lower()]
    assert not leaked, f"private key(s) #{leaked} of the input file appear in the output"


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def drain_into_the_gse(devnet: DevnetHandle) -> dict[Address, Flushed]:
    """Stake the whole provider queue and flush the whole entry queue (the devnet is isolated)."""
    actions = devnet.actions
    actions.stake(len(actions.provider_queue()))
    return {f.attester: f for f in actions.flush(len(actions.entry_queue()))}


def test_add_keys_from_a_private_keys_file_queues_its_attesters_and_the_real_gse_accepts_them(
    isolated_devnet: DevnetHandle, tmp_path: Path, reference_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "new-private-keys.json"
    shutil.copy(reference_dir / PHASE1, keys)
    reference = json.loads((reference_dir / PHASE2).read_text())
    expected = [Address.parse(v["attester"]["eth"]) for v in reference["validators"]]
    actions = isolated_devnet.actions
    before = actions.provider_queue()

    code, out, err = devnet_command(
        capsys, "add-keys", "--from", str(keys), "--config", str(isolated_devnet.config_path)
    )

    assert code == 0, err
    assert [line.split()[:2] for line in out.splitlines()] == [["queued", a.checksum] for a in expected]
    assert actions.provider_queue() == before + expected
    assert_no_key_material(out + err, json.loads(keys.read_text()))
    flushed = drain_into_the_gse(isolated_devnet)
    assert [(flushed[a].ok, flushed[a].error) for a in expected] == [(True, None)] * len(expected)
    assert all(actions.attester_status(a) is AttesterStatus.VALIDATING for a in expected)


def test_add_keys_from_a_file_with_corrupt_proof_is_rejected_by_the_real_gse(
    isolated_devnet: DevnetHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = private_keys_doc(1)
    keys = write_doc(tmp_path / "keys.json", doc)

    code, out, err = devnet_command(
        capsys, "add-keys", "--from", str(keys), "-x", "--config", str(isolated_devnet.config_path)
    )

    assert code == 0, err
    [line] = out.splitlines()
    assert "(wrong proof of possession)" in line
    attester = Address.parse(line.split()[1])
    flushed = drain_into_the_gse(isolated_devnet)
    assert (flushed[attester].ok, flushed[attester].error) == (False, "GSE__InvalidProofOfPossession")
    assert_no_key_material(out + err, doc)


def break_keys(doc: dict[str, Any]) -> None:
    doc["validators"][0]["attester"]["bls"] = "0x" + "ff" * 32  # above the BN254 group order
    doc["validators"][1]["attester"]["eth"] = doc["validators"][1]["attester"]["eth"][:-1]
    del doc["validators"][2]["feeRecipient"]


def repeat_a_validator(doc: dict[str, Any]) -> None:
    doc["validators"].append(dict(doc["validators"][0]))


@pytest.mark.parametrize("spoil", [break_keys, repeat_a_validator])
def test_a_bad_private_keys_file_is_refused_as_the_product_refuses_it_and_nothing_is_sent(
    isolated_devnet: DevnetHandle,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spoil: Callable[[dict[str, Any]], None],
) -> None:
    from butler.entrypoints.cli import run as run_butler

    doc = private_keys_doc(3)
    spoil(doc)
    keys = write_doc(tmp_path / "keys.json", doc)
    product_code = run_butler(
        ["process-private-keys", str(keys), "--offline", "-o", str(tmp_path / "o.json")]
    )
    product_errors = error_lines(capsys.readouterr().err)
    chain = isolated_devnet.chain
    block, nonce = chain.rpc("eth_blockNumber", []), isolated_devnet.actions.safe.nonce()

    code, out, err = devnet_command(
        capsys, "add-keys", "--from", str(keys), "--config", str(isolated_devnet.config_path)
    )

    assert (code, product_code) == (1, 1)
    assert out == ""
    assert err.splitlines() == product_errors
    assert len(product_errors) >= 2
    assert all(str(keys) in line for line in product_errors)
    assert (chain.rpc("eth_blockNumber", []), isolated_devnet.actions.safe.nonce()) == (block, nonce)
    assert_no_key_material(out + err, doc)


def test_add_keys_from_a_file_that_cannot_be_used_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The file is refused before the devnet config is read: a missing config would exit 2 instead.
    no_config = str(tmp_path / "devnet.toml")
    missing = tmp_path / "missing.json"
    empty = write_doc(tmp_path / "empty.json", {"schemaVersion": 1, "validators": []})
    assert devnet_command(capsys, "add-keys", "--from", str(missing), "-c", no_config) == (
        1,
        "",
        f"error: {missing}: file not found\n",
    )
    assert devnet_command(capsys, "add-keys", "--from", str(empty), "-c", no_config) == (
        1,
        "",
        f"error: {empty}: holds no validators\n",
    )


def test_add_keys_takes_a_count_or_a_file_not_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = write_doc(tmp_path / "keys.json", private_keys_doc(1))
    assert devnet_command(capsys, "add-keys", "--count", "2", "--from", str(keys)) == (
        2,
        "",
        "error: give --count N or --from PRIVATE_KEYS_FILE, not both\n",
    )


# --- what `up` and the actions refuse -----------------------------------------------------------------


def test_up_refuses_to_replace_a_running_devnets_config_or_files_it_did_not_write(
    devnet: DevnetHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    running_config = devnet.config_path.read_text()
    code, out, err = devnet_command(capsys, "up", "--config-out", str(devnet.config_path))
    assert (code, out) == (2, "")
    assert f"belongs to a devnet that still runs at {devnet.rpc_url}" in err
    assert devnet.config_path.read_text() == running_config

    product_config = tmp_path / "testnet.toml"
    product_config.write_text('network = "testnet"\nchain_id = 11155111\n')
    code, out, err = devnet_command(capsys, "up", "--config-out", str(product_config))
    assert (code, out, err) == (
        2,
        "",
        f"error: {product_config} exists and is not a devnet config: not replacing it\n",
    )
    assert product_config.read_text() == 'network = "testnet"\nchain_id = 11155111\n'

    key = tmp_path / "proposer.key"
    key.write_text("0x" + "11" * 32 + "\n")
    new_config = tmp_path / "new.toml"
    code, out, err = devnet_command(capsys, "up", "--config-out", str(new_config), "--key-out", str(key))
    assert (code, out, err) == (
        2,
        "",
        f"error: {key} exists and is not the devnet proposer key: not replacing it\n",
    )
    assert key.read_text() == "0x" + "11" * 32 + "\n"
    assert not new_config.exists()


def test_an_action_on_a_node_without_the_configured_contracts_fails_in_one_line(
    devnet: DevnetHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = Address.from_int(0x5EED)
    config = tmp_path / "devnet.toml"
    config.write_text(
        devnet.config_path.read_text().replace(devnet.staking_registry.checksum, nowhere.checksum)
    )
    code, out, err = devnet_command(capsys, "stake", "--config", str(config))
    assert (code, out) == (1, "")
    expected = f"no StakingRegistry at {nowhere} on {devnet.rpc_url}: the config belongs to another devnet"
    assert err == f"error: {expected}\n"


def test_a_killed_up_takes_its_node_with_it(tmp_path: Path, up: UpProcess) -> None:
    up.ready_line()
    node = urllib.parse.urlsplit(tomllib.loads((tmp_path / "devnet.toml").read_text())["rpc_url"])
    up.process.kill()
    up.process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((node.hostname, node.port)) != 0:
                return
        time.sleep(0.1)
    pytest.fail("anvil still answers after `up` was killed with SIGKILL")
