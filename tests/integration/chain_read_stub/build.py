"""Rebuild ChainReadStub.json from ChainReadStub.sol with the pinned solcjs: `python build.py`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOLCJS = HERE.parents[2] / "tools" / "node_modules" / ".bin" / "solcjs"
SOURCE = "ChainReadStub.sol"


def main() -> None:
    standard_input = {
        "language": "Solidity",
        "sources": {SOURCE: {"content": (HERE / SOURCE).read_text()}},
        "settings": {
            "evmVersion": "cancun",
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    completed = subprocess.run(
        [str(SOLCJS), "--standard-json"],
        input=json.dumps(standard_input),
        capture_output=True,
        text=True,
        check=True,
    )
    # solcjs may print warnings before the JSON document.
    output = json.loads(completed.stdout[completed.stdout.index("{") :])
    errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise SystemExit("\n".join(e["formattedMessage"] for e in errors))
    contract = output["contracts"][SOURCE]["ChainReadStub"]
    version = subprocess.run([str(SOLCJS), "--version"], capture_output=True, text=True, check=True)
    artifact = {
        "contractName": "ChainReadStub",
        "compiler": version.stdout.strip(),
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
    }
    (HERE / "ChainReadStub.json").write_text(json.dumps(artifact, indent=1) + "\n")


if __name__ == "__main__":
    main()
