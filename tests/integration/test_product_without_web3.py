"""The product's CLIs do their work on the devnet in a process where web3, eth_account and py_ecc cannot
be imported: what `pip install aztec-butler` gives a monitoring server (no devnet, no dev extra).
.ci/run checks the real install from a fresh venv as well."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.devnet_fixture import DevnetHandle
from tests.integration.python_process import run_python

pytestmark = pytest.mark.devnet

KEYFILE = "key-flow/after_phase5/on-testnet-node/prod-testnet-keyfile.json"

# Runs `main` of an entry point after making the libraries that only the devnet and the tests use
# impossible to import: any import of them by the product fails the command with a traceback.
WITHOUT_DEV_LIBRARIES = """
import sys

class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"web3", "eth_account", "py_ecc"}:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None

sys.meta_path.insert(0, Absent())
from butler.entrypoints.%s import main
sys.argv[0] = %r
main()
"""


def run(module: str, prog: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AZTEC_BUTLER_CONFIG"}
    env["XDG_DATA_HOME"] = str(cwd / "data")
    return run_python(WITHOUT_DEV_LIBRARIES % (module, prog), *args, cwd=cwd, env=env)


def test_the_blocker_really_blocks(tmp_path: Path) -> None:
    code = WITHOUT_DEV_LIBRARIES.replace("from butler.entrypoints.%s import main", "import web3")
    done = run_python(code % "x", "--help", cwd=tmp_path, env=os.environ)
    assert done.returncode != 0 and "blocked by the test" in done.stderr


def test_the_operator_cli_and_the_scraper_work_without_web3_and_py_ecc(
    devnet: DevnetHandle, tmp_path: Path, reference_dir: Path
) -> None:
    config = str(devnet.config_path)
    keyfile = tmp_path / "prod.json"
    keyfile.write_text((reference_dir / KEYFILE).read_text())
    attesters = [v["attester"]["eth"] for v in json.loads(keyfile.read_text())["validators"]]
    scrape_config = tmp_path / "scrape.json"

    steps = [
        ("cli", "aztec-butler", "generate-scraper-config", "-c", config, "--production-keys", str(keyfile),
         "-o", str(scrape_config)),
        ("cli", "aztec-butler", "scrape-coinbases", "-c", config, "--attesters", str(keyfile),
         "-o", str(tmp_path / "coinbases.json")),
        ("cli", "aztec-butler", "fund-publishers", "-c", config, "--scraper-config", str(scrape_config),
         "--no-propose", "--json"),
        ("scraper.main", "aztec-butler-scraper", "--config", config, "--scraper-config", str(scrape_config),
         "--once"),
    ]  # fmt: skip
    outputs = []
    for module, prog, *args in steps:
        done = run(module, prog, *args, cwd=tmp_path)
        assert done.returncode == 0, f"{prog} {args[0]}: {done.stderr}"
        assert "Traceback" not in done.stderr
        outputs.append(done.stdout)

    assert [a["address"] for a in json.loads(scrape_config.read_text())["attesters"]] == attesters
    assert sorted(line.split()[0] for line in outputs[1].splitlines()) == sorted(attesters)
    assert "aztec_butler_scrape_success" in outputs[3]


def test_the_devnet_tool_without_its_extra_says_which_extra_to_install(tmp_path: Path) -> None:
    for args in (["--help"], ["up"]):
        done = run("devnet_cli", "aztec-butler-devnet", *args, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr == (
            "error: aztec-butler-devnet needs the devnet extra, which is not installed: "
            "pip install 'aztec-butler[devnet]'\n"
        )
