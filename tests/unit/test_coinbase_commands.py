"""The two commands as the operator calls them, where no chain is needed: arguments, output, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from butler.entrypoints import cli
from butler.entrypoints.cli import overview
from tests.unit.command_world import real_services

PHASE3_KEYFILE = "key-flow/after_phase3/on-dev-machine/prod-testnet-keyfile.json.new"
PHASE1_KEYFILE = "key-flow/after_phase1/on-dev-machine/prod-testnet-keyfile.json"
PHASE1_PRIVATE = "key-flow/after_phase1/on-dev-machine/new-private-keys.json"

CONFIG = """\
network = "testnet"
chain_id = 11155111
rpc_url = "http://127.0.0.1:9/never-used"
staking_registry = "0xc3860c45e5F0b1eF3000dbF93149756f16928ADB"
rollup = "0x0000000000000000000000000000000000005011"
provider_id = 7
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "testnet.toml").write_text(CONFIG)
    return tmp_path


def run(workdir: Path, command: str, *args: str) -> int:
    """`aztec-butler COMMAND -c testnet.toml ARGS` with $XDG_DATA_HOME in `workdir`; ARGS naming a file
    name it in `workdir`."""
    named = [str(workdir / arg) if arg.endswith(".json") else arg for arg in args]
    argv = [command, "-c", str(workdir / "testnet.toml"), *named]
    return cli.run(argv, real_services(workdir, XDG_DATA_HOME=str(workdir / "data")))


def keyfile_attesters(path: Path) -> list[str]:
    return [v["attester"]["eth"] for v in json.loads(path.read_text())["validators"]]


def test_both_commands_are_listed() -> None:
    assert "generate-scraper-config" in overview() and "scrape-coinbases" in overview()


@pytest.mark.parametrize(
    "flags", [["--production-keys", "a.json", "b.json"], ["-p", "a.json", "--production-keys", "b.json"]]
)
def test_keyfiles_after_one_flag_or_repeated_flags_are_all_read(
    workdir: Path, reference_dir: Path, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(reference_dir / PHASE3_KEYFILE, workdir / "a.json")
    shutil.copy(reference_dir / PHASE1_KEYFILE, workdir / "b.json")

    code = run(workdir, "generate-scraper-config", *flags)

    err = capsys.readouterr().err
    assert code == 0, err
    written = workdir / "data" / "aztec-butler" / "testnet-scrape-config.json"
    config = json.loads(written.read_text())
    expected = list(
        dict.fromkeys(keyfile_attesters(workdir / "a.json") + keyfile_attesters(workdir / "b.json"))
    )
    assert [a["address"] for a in config["attesters"]] == expected
    assert (config["network"], config["chainId"], config["stakingProviderId"]) == ("testnet", 11155111, 7)
    reference = json.loads((workdir / "a.json").read_text())["validators"][0]
    assert config["attesters"][0]["coinbase"] == reference["coinbase"]
    assert f"wrote {written}: {len(expected)} attesters ({len(expected)} new)" in err


def test_publisher_keys_from_a_private_keys_file_are_never_written_or_shown(
    workdir: Path, reference_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(reference_dir / PHASE1_PRIVATE, workdir / "keys.json")
    code = run(workdir, "generate-scraper-config", "--publisher-keys", "keys.json", "-o", "out.json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads((workdir / "keys.json").read_text())
    secrets = [
        key[2:].lower()
        for v in doc["validators"]
        for key in [
            v["attester"]["eth"],
            v["attester"]["bls"],
            *([v["publisher"]] if isinstance(v["publisher"], str) else v["publisher"]),
        ]
    ]
    shown = ((workdir / "out.json").read_text() + captured.out + captured.err).lower()
    assert not [s for s in secrets if s in shown]
    assert len(json.loads((workdir / "out.json").read_text())["publishers"]) >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: nothing to generate from"),
        (["--web3signer-keys", "k.json", "--web3signer-url", "http://s"], "error: pass --web3signer-keys or"),
        (["--web3signer-url", "signer:9000"], "error: --web3signer-url: expected an http:// or https:// URL"),
    ],
)
def test_usage_errors_exit_2_in_one_line(workdir: Path, args: list[str], message: str, capsys) -> None:
    code = run(workdir, "generate-scraper-config", *args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith(message)
    assert not (workdir / "data").exists()


def test_a_bad_key_in_the_signer_list_is_named_and_nothing_written(workdir: Path, capsys) -> None:
    (workdir / "k.json").write_text(json.dumps(["0x04" + "11" * 64]))
    code = run(workdir, "generate-scraper-config", "--web3signer-keys", "k.json")
    err = capsys.readouterr().err
    assert code == 1
    assert err == f"error: {workdir / 'k.json'}: [0]: not a point of secp256k1 (uncompressed form)\n"
    assert not (workdir / "data").exists()


def test_scrape_coinbases_with_an_unreachable_node_is_one_line_and_writes_nothing(
    workdir: Path, closed_port: int, capsys
) -> None:
    config = CONFIG.replace("http://127.0.0.1:9/never-used", f"http://127.0.0.1:{closed_port}/key")
    (workdir / "testnet.toml").write_text(config)
    code = run(workdir, "scrape-coinbases")
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith(f"error: rpc http://127.0.0.1:{closed_port}: ")
    assert not (workdir / "data").exists()


def test_scrape_coinbases_refuses_negative_numbers_before_any_network(workdir: Path, capsys) -> None:
    assert run(workdir, "scrape-coinbases", "--start-block", "-1") == 2
    assert capsys.readouterr().err == "error: --start-block: must not be negative\n"
