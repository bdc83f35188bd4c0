"""`aztec-butler process-private-keys` against the real devnet: the phase-2 reference, and refusal of
attesters already in the provider queue, in the rollup entry queue or validating, and of a chain that
cannot be checked. Keys that must be on chain are fresh per test and the chain is rolled back after."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from butler.devnet.records import DevValidator, random_validator
from butler.domain.keys import attester_address, parse_bls_secret_key, parse_eth_secret_key
from butler.domain.onchain import AttesterStatus
from butler.entrypoints.cli import run
from tests.integration.devnet_fixture import DevnetHandle

pytestmark = pytest.mark.devnet

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
PHASE2 = "key-flow/after_phase2/on-dev-machine/new-public-keys.json"
KEYS_NAME = "new-private-keys.json"
OUTPUT_NAME = "public-new-private-keys.json"
ZERO_FEE_RECIPIENT = "0x" + "0" * 64
ZERO_ADDRESS = "0x" + "0" * 40


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The operator's folder, and the current directory of the command."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("AZTEC_BUTLER_CONFIG", raising=False)
    return folder


def write_keys_file(path: Path, validators: list[DevValidator]) -> dict[str, Any]:
    doc = {
        "schemaVersion": 1,
        "validators": [
            {
                "attester": {"eth": v.eth_key.reveal_hex(), "bls": v.bls_key.reveal_hex()},
                "publisher": random_validator().eth_key.reveal_hex(),
                "feeRecipient": ZERO_FEE_RECIPIENT,
                "coinbase": ZERO_ADDRESS,
            }
            for v in validators
        ],
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def secrets_of(doc: dict[str, Any]) -> list[str]:
    """Every private key of a private-keys file, as the 64 hex digits it is written with."""
    found = []
    for validator in doc["validators"]:
        publishers = validator["publisher"]
        keys = [validator["attester"]["eth"], validator["attester"]["bls"]]
        keys += publishers if isinstance(publishers, list) else [publishers]
        found += [key[2:].lower() for key in keys]
    return found


def validators_of(doc: dict[str, Any]) -> list[DevValidator]:
    validators = []
    for validator in doc["validators"]:
        eth = parse_eth_secret_key(validator["attester"]["eth"])
        validators.append(
            DevValidator(attester_address(eth), eth, parse_bls_secret_key(validator["attester"]["bls"]))
        )
    return validators


def config_variant(devnet: DevnetHandle, folder: Path, **fields: str | int) -> Path:
    """The devnet's TOML with some top-level fields replaced, written into `folder`."""
    text = devnet.config_path.read_text()
    for name, value in fields.items():
        rendered = f'"{value}"' if isinstance(value, str) else str(value)
        text, replaced = re.subn(rf"(?m)^{name} = .*$", f"{name} = {rendered}", text, count=1)
        assert replaced == 1, f"no {name} in the devnet config"
    folder.mkdir(exist_ok=True)
    path = folder / "devnet.toml"
    path.write_text(text)
    return path


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def assert_no_key_material(text: str, doc: dict[str, Any]) -> None:
    lowered = text.lower()
    leaked = [n for n, key in enumerate(secrets_of(doc)) if key in lowered]
    assert not leaked, f"private key(s) #{leaked} of the input file appear in the output"


def test_reference_file_checked_on_the_devnet_gives_the_phase2_reference(
    devnet: DevnetHandle, workdir: Path, reference_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = workdir / KEYS_NAME
    shutil.copy(reference_dir / PHASE1, source)
    reference = {v.attester for v in validators_of(json.loads(source.read_text()))}
    leaked = reference & {*devnet.actions.provider_queue(), *devnet.actions.entry_queue()}
    leaked |= {a for a in reference if devnet.actions.attester_status(a) is not AttesterStatus.NONE}
    assert not leaked, f"a test left the reference attesters {leaked} on the shared devnet: isolate it"

    code = run(["process-private-keys", KEYS_NAME, "--config", str(devnet.config_path)])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (workdir / OUTPUT_NAME).read_bytes() == (reference_dir / PHASE2).read_bytes()
    assert "checked 2 attesters on devnet: none is known on chain or proposed to the Safe yet" in captured.err
    assert_no_key_material(captured.out, json.loads(source.read_text()))


STAGES = {
    "provider queue": "in the provider queue",
    "entry queue": "in the rollup entry queue",
    "validating": "known to the rollup with status VALIDATING",
}


def bring_to(devnet: DevnetHandle, validators: list[DevValidator], stage: str) -> None:
    """Queue `validators` for the provider through its Safe, then stake and flush as far as `stage`.

    Staking and flushing take whatever heads the queues, so both queues are drained whole: the test
    runs on an isolated devnet that is rolled back afterwards."""
    actions = devnet.actions
    actions.add_keystores(actions.make_keystores(validators))
    if stage == "provider queue":
        return
    actions.stake(len(actions.provider_queue()))
    if stage == "entry queue":
        return
    flushed = {f.attester: f.ok for f in actions.flush(len(actions.entry_queue()))}
    assert all(flushed[v.attester] for v in validators), "the real GSE refused a registration"


@pytest.mark.parametrize("stage", STAGES)
def test_attesters_already_on_chain_are_named_and_nothing_is_written(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str], stage: str
) -> None:
    fresh, *known = (random_validator() for _ in range(3))
    doc = write_keys_file(workdir / KEYS_NAME, [known[0], fresh, known[1]])
    bring_to(isolated_devnet, known, stage)

    code = run(["process-private-keys", KEYS_NAME, "--config", str(isolated_devnet.config_path)])

    captured = capsys.readouterr()
    assert code == 1
    assert error_lines(captured.err) == [
        f"error: attester {v.attester.checksum}: already {STAGES[stage]}" for v in known
    ]
    assert sorted(p.name for p in workdir.iterdir()) == [KEYS_NAME]
    assert_no_key_material(captured.out + captured.err, doc)


def test_the_reference_keys_are_refused_once_queued(
    isolated_devnet: DevnetHandle, workdir: Path, reference_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = workdir / KEYS_NAME
    shutil.copy(reference_dir / PHASE1, source)
    doc = json.loads(source.read_text())
    first, second = validators_of(doc)
    bring_to(isolated_devnet, [second], "provider queue")

    code = run(["process-private-keys", KEYS_NAME, "--config", str(isolated_devnet.config_path)])

    captured = capsys.readouterr()
    assert code == 1
    assert error_lines(captured.err) == [
        f"error: attester {second.attester.checksum}: already in the provider queue"
    ]
    assert first.attester.checksum not in captured.err
    assert sorted(p.name for p in workdir.iterdir()) == [KEYS_NAME]
    assert_no_key_material(captured.out + captured.err, doc)


def test_attesters_in_a_pending_safe_proposal_are_named_with_its_nonce_and_nothing_is_written(
    isolated_devnet: DevnetHandle, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh, proposed = random_validator(), random_validator()
    write_keys_file(workdir / KEYS_NAME, [proposed])
    assert run(["add-keys", KEYS_NAME, "--config", str(isolated_devnet.config_path)]) == 0
    doc = write_keys_file(workdir / KEYS_NAME, [fresh, proposed])
    capsys.readouterr()

    code = run(["process-private-keys", KEYS_NAME, "--config", str(isolated_devnet.config_path)])

    captured = capsys.readouterr()
    assert code == 1
    assert error_lines(captured.err) == [
        f"error: attester {proposed.attester.checksum}: already proposed to Safe {isolated_devnet.safe} in "
        "the pending transaction at nonce 0"
    ]
    assert sorted(p.name for p in workdir.iterdir()) == [KEYS_NAME]
    assert_no_key_material(captured.out + captured.err, doc)


def test_a_node_that_cannot_be_reached_fails_the_command_in_one_line(
    devnet: DevnetHandle, workdir: Path, tmp_path: Path, closed_port: int
) -> None:
    doc = write_keys_file(workdir / KEYS_NAME, [random_validator()])
    config = config_variant(devnet, tmp_path / "config", rpc_url=f"http://127.0.0.1:{closed_port}")

    # The installed command, as the operator runs it: a traceback would show on its stderr.
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("aztec-butler")),
            "process-private-keys",
            KEYS_NAME,
            "-c",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: rpc http://127.0.0.1:{closed_port}: ")
    assert "connection failed" in lines[0]
    assert sorted(p.name for p in workdir.iterdir()) == [KEYS_NAME]
    assert_no_key_material(done.stdout + done.stderr, doc)


def test_a_node_of_another_chain_fails_the_command(
    devnet: DevnetHandle, workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = write_keys_file(workdir / KEYS_NAME, [random_validator()])
    wrong_id = devnet.chain_id + 1
    config = config_variant(devnet, tmp_path / "config", chain_id=wrong_id)

    code = run(["process-private-keys", KEYS_NAME, "--config", str(config)])

    captured = capsys.readouterr()
    assert code == 1
    assert error_lines(captured.err) == [
        f"error: rpc_url {devnet.rpc_url} reports chain id {devnet.chain_id} but the config for network "
        f"'devnet' expects {wrong_id}"
    ]
    assert sorted(p.name for p in workdir.iterdir()) == [KEYS_NAME]
    assert_no_key_material(captured.out + captured.err, doc)
