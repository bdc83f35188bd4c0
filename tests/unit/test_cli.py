"""The operator CLI as a user meets it: help, exit codes, stdout/stderr discipline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from butler.entrypoints.cli import run
from tests.unit.command_world import real_services

PHASE1 = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"
PHASE2 = "key-flow/after_phase2/on-dev-machine/new-public-keys.json"


def run_in(folder: Path, argv: list[str]) -> int:
    """`aztec-butler ARGV` in `folder`, with no environment."""
    return run(argv, real_services(folder))


def test_help_lists_commands_without_loading_web3():
    probe = (
        "import sys; from butler.entrypoints.cli import run; code = run(['--help']); "
        "assert 'web3' not in sys.modules and 'eth_abi' not in sys.modules, 'heavy import'; sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "process-private-keys" in done.stdout


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_a_reader_gone_from_stdout_is_no_traceback(args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout now fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from butler.entrypoints.cli import main; main()", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert done.stderr == ""


def test_no_command_is_a_usage_error_with_the_overview_on_stderr(capsys):
    assert run([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "process-private-keys" in captured.err


def test_unknown_command_is_a_usage_error(capsys):
    assert run(["frobnicate"]) == 2
    assert "unknown command" in capsys.readouterr().err


def test_command_help_teaches(capsys):
    with pytest.raises(SystemExit) as done:
        run(["process-private-keys", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--offline" in out and "example:" in out


def test_offline_run_matches_the_reference_and_keeps_keys_off_stdout(tmp_path, capsys, reference_dir):
    source = tmp_path / "new-private-keys.json"
    shutil.copy(reference_dir / PHASE1, source)
    assert run_in(tmp_path, ["process-private-keys", str(source), "--offline"]) == 0
    written = (tmp_path / "public-new-private-keys.json").read_text()
    assert written == (reference_dir / PHASE2).read_text()
    captured = capsys.readouterr()
    validators = json.loads(source.read_text())["validators"]
    private_keys = [v["attester"][kind].lower() for v in validators for kind in ("eth", "bls")]
    private_keys += [v["publisher"].lower() for v in validators]
    # The publishers' addresses (of the reference's publisher keys), on stdout and in publishers-<FILE>.
    publishers = ["0xa54eC3601581636969984f437b62c67F8BD6501b", "0xfcb553562fAAcaA8Ca04AFe03B91d5410d49C288"]
    assert captured.out.splitlines() == publishers
    assert json.loads((tmp_path / "publishers-new-private-keys.json").read_text()) == publishers
    assert not any(key[2:] in captured.out for key in private_keys)
    assert all(key in captured.err for key in private_keys) and "CONSOLE SECRET STORE" in captured.err
    assert "offline" in captured.err


def test_json_names_attesters_publishers_and_both_files(tmp_path, capsys, reference_dir):
    source = tmp_path / "new-private-keys.json"
    shutil.copy(reference_dir / PHASE1, source)
    out = tmp_path / "out"
    out.mkdir()
    assert (
        run_in(
            tmp_path,
            ["process-private-keys", str(source), "--offline", "-o", str(out / "pub.json"), "--json"],
        )
        == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "attesters": [
            "0x5FAC75C9bD29CDf5599C74e31A8a88850a573748",
            "0x829B7234A1544C755a9F31Fa4812675F8E8A0BF3",
        ],
        "publishers": [
            "0xa54eC3601581636969984f437b62c67F8BD6501b",
            "0xfcb553562fAAcaA8Ca04AFe03B91d5410d49C288",
        ],
        "public_keys_file": str(out / "pub.json"),
        "publishers_file": str(out / "publishers-new-private-keys.json"),
    }
    assert json.loads((out / "publishers-new-private-keys.json").read_text()) == document["publishers"]


def test_bad_file_exits_1_with_one_line_per_problem_and_writes_nothing(tmp_path, capsys, reference_dir):
    doc = json.loads((reference_dir / PHASE1).read_text())
    secret = doc["validators"][1]["attester"]["eth"]
    doc["validators"][0]["attester"]["bls"] = "0x" + "f" * 64
    doc["validators"][1]["attester"]["eth"] = secret + "00"
    source = tmp_path / "keys.json"
    source.write_text(json.dumps(doc))
    assert run_in(tmp_path, ["process-private-keys", str(source), "--offline"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: {source}: validators[0].attester.bls: out of range: "
        "must satisfy 1 <= k < r (the BN254 group order)",
        f"error: {source}: validators[1].attester.eth: must be 0x followed by exactly 64 hex digits; "
        "found 66",
    ]
    assert secret[2:] not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [source]


def test_missing_network_config_is_a_usage_error(tmp_path, capsys, reference_dir):
    assert run_in(tmp_path, ["process-private-keys", str(reference_dir / PHASE1)]) == 2
    assert "no network config" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_large_file_shows_progress_and_a_summary(tmp_path, capsys):
    count = 1_000
    validators = [
        {
            "attester": {"eth": f"0x{n:064x}", "bls": f"0x{n:064x}"},
            "publisher": f"0x{n + count:064x}",
            "feeRecipient": "0x" + "00" * 32,
            "coinbase": "0x" + "00" * 20,
        }
        for n in range(1, count + 1)
    ]
    source = tmp_path / "many.json"
    source.write_text(json.dumps({"schemaVersion": 1, "validators": validators}))
    assert run_in(tmp_path, ["process-private-keys", str(source), "--offline"]) == 0
    err = capsys.readouterr().err
    assert f"derived {count:,}/{count:,} (100%)" in err
    assert f"wrote {count} validators' public keys to {tmp_path / 'public-many.json'}" in err
    assert len(json.loads((tmp_path / "public-many.json").read_text())["validators"]) == count


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a-file/keys.json", "cannot read: Not a directory"),
        ("a-folder", "is a folder, not a file"),
        ("k" * 300 + ".json", "cannot read: File name too long"),
        ("absent.json", "file not found"),
    ],
)
def test_an_unreadable_input_path_is_one_line_naming_it(tmp_path, capsys, name, reason):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-folder").mkdir()
    assert run_in(tmp_path, ["process-private-keys", str(tmp_path / name), "--offline"]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {tmp_path / name}: {reason}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder"]


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("a-file/public.json", "{folder}/a-file is not a folder"),
        ("absent/public.json", "no folder {folder}/absent"),
        ("a-folder", "it is a folder"),
    ],
)
def test_an_output_that_cannot_be_written_fails_before_any_key_is_shown(
    tmp_path, capsys, reference_dir, output, reason
):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-folder").mkdir()
    shutil.copy(reference_dir / PHASE1, tmp_path / "keys.json")
    target = tmp_path / output
    argv = ["process-private-keys", str(tmp_path / "keys.json"), "--offline", "--force", "-o", str(target)]
    assert run_in(tmp_path, argv) == 1
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: {target}: cannot write: {reason.format(folder=tmp_path)}"
    ]
    assert "CONSOLE SECRET STORE" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder", "keys.json"]


def test_the_output_may_not_be_the_private_keys_file_even_with_force(tmp_path, capsys, reference_dir):
    source = tmp_path / "keys.json"
    shutil.copy(reference_dir / PHASE1, source)
    assert (
        run_in(tmp_path, ["process-private-keys", str(source), "--offline", "--force", "-o", str(source)])
        == 2
    )
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        f"error: {source}: is the private-keys file itself; write the public keys elsewhere"
    ]
    assert "CONSOLE SECRET STORE" not in err
    assert source.read_bytes() == (reference_dir / PHASE1).read_bytes()
