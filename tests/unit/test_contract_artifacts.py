"""The committed artifacts were built as pinned from the committed sources: the devnet's stand-ins, which
speak the real contracts' ABI, and the chain adapter's batch-call program. The devnet runs the real Rollup,
so no stand-in of it exists."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from butler.domain.hashing import keccak256

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "src" / "butler" / "devnet" / "artifacts"
# Where contracts/build.mjs writes each artifact, and its source: the Solidity stand-ins beside the devnet
# tool, the Yul batch-call program beside the chain adapter that sends it (as package data: the product
# runs it without solc). A Yul program is creation code only: no runtime code.
ARTIFACT_FOLDERS = {
    "StakingRegistry": ARTIFACTS_DIR,
    "PullSplitFactory": ARTIFACTS_DIR,
    "AggregateCalls": REPO_ROOT / "src" / "butler" / "adapters" / "chain" / "artifacts",
}
YUL_PROGRAMS = {"AggregateCalls"}

# What the product calls, plus the registry calls the devnet makes and the errors and events readers
# decode: these must exist in the stand-in, not merely match when present.
STAKING_REGISTRY_REQUIRED = {
    ("function", "providerConfigurations"),
    ("function", "nextProviderIdentifier"),
    ("function", "providerQueues"),
    ("function", "getFirstIndexInQueue"),
    ("function", "getLastIndexInQueue"),
    ("function", "getProviderQueueLength"),
    ("function", "getValueAtIndexInQueue"),
    ("function", "addKeysToProvider"),
    ("function", "registerProvider"),
    ("function", "stake"),
    ("event", "StakedWithProvider"),
    ("event", "ProviderRegistered"),
    ("event", "AttestersAddedToProvider"),
    ("error", "StakingRegistry__NotProviderAdmin"),
    ("error", "StakingRegistry__InvalidProviderIdentifier"),
    ("error", "StakingRegistry__UnexpectedTakeRate"),
    ("error", "StakingRegistry__ZeroAddress"),
    ("error", "QueueIsEmpty"),
    ("error", "QueueIndexOutOfBounds"),
}

Entry = dict[str, Any]


def load_artifact(name: str) -> dict[str, Any]:
    artifact: dict[str, Any] = json.loads((ARTIFACT_FOLDERS[name] / f"{name}.json").read_text())
    return artifact


def load_reference_abi(reference_dir: Path, file_name: str) -> list[Entry]:
    abi: list[Entry] = json.loads((reference_dir / "abi" / file_name).read_text())
    return abi


def canonical_type(param: Entry) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(canonical_type(component) for component in param["components"])
        return f"({inner}){param['type'][len('tuple') :]}"
    return str(param["type"])


def signature(entry: Entry) -> str:
    return f"{entry['name']}({','.join(canonical_type(p) for p in entry['inputs'])})"


def selector(entry: Entry) -> str:
    digest = keccak256(signature(entry).encode())
    return "0x" + (digest if entry["type"] == "event" else digest[:4]).hex()


def named_shape(params: list[Entry]) -> list[Any]:
    """Types with names, down through tuple components: what decoders key their results on."""
    return [
        (p["name"], canonical_type(p), p.get("indexed"), named_shape(p.get("components", []))) for p in params
    ]


def by_key(abi: list[Entry]) -> dict[tuple[str, str], Entry]:
    return {(entry["type"], entry["name"]): entry for entry in abi if "name" in entry}


CASES = [
    pytest.param("StakingRegistry", "StakingRegistry.json", STAKING_REGISTRY_REQUIRED, id="StakingRegistry"),
]
OWN_CONTRACTS = list(ARTIFACT_FOLDERS)


@pytest.mark.parametrize(("artifact_name", "reference_file", "required"), CASES)
def test_required_entries_are_present(
    reference_dir: Path, artifact_name: str, reference_file: str, required: set[tuple[str, str]] | None
) -> None:
    reference = by_key(load_reference_abi(reference_dir, reference_file))
    ours = by_key(load_artifact(artifact_name)["abi"])
    wanted = set(reference) if required is None else required
    assert wanted <= set(reference), "a required entry is not in the real ABI"
    assert sorted(wanted - set(ours)) == []


@pytest.mark.parametrize(("artifact_name", "reference_file", "required"), CASES)
def test_implemented_entries_are_abi_identical(
    reference_dir: Path, artifact_name: str, reference_file: str, required: set[tuple[str, str]] | None
) -> None:
    ours = by_key(load_artifact(artifact_name)["abi"])
    compared = 0
    for key, real in by_key(load_reference_abi(reference_dir, reference_file)).items():
        if key not in ours:
            continue
        mine = ours[key]
        compared += 1
        assert signature(mine) == signature(real), key
        assert selector(mine) == selector(real), key
        assert named_shape(mine["inputs"]) == named_shape(real["inputs"]), key
        assert named_shape(mine.get("outputs", [])) == named_shape(real.get("outputs", [])), key
        assert mine.get("stateMutability") == real.get("stateMutability"), key
        assert mine.get("anonymous") == real.get("anonymous"), key
        # Down to internalType: tools that read struct names see the real contract.
        assert mine == real, key
    assert compared > 0


def test_staked_with_provider_topic_is_the_real_one(reference_dir: Path) -> None:
    (real,) = [
        e
        for e in load_reference_abi(reference_dir, "StakingRegistry.json")
        if e["name"] == "StakedWithProvider"
    ]
    (mine,) = [e for e in load_artifact("StakingRegistry")["abi"] if e.get("name") == "StakedWithProvider"]
    assert selector(mine) == selector(real)
    # As listed in the product specification (section 8).
    assert selector(mine).startswith("0xc91c8b4e")
    assert selector(mine).endswith("37d5c7")
    assert [p["indexed"] for p in mine["inputs"]] == [True, True, True, False, False]


@pytest.mark.parametrize("name", OWN_CONTRACTS)
def test_artifact_carries_bytecode(name: str) -> None:
    artifact = load_artifact(name)
    assert artifact["contractName"] == name
    fields = ("bytecode",) if name in YUL_PROGRAMS else ("bytecode", "deployedBytecode")
    assert ("deployedBytecode" in artifact) == (name not in YUL_PROGRAMS)
    for field in fields:
        code = artifact[field]
        assert code.startswith("0x")
        assert len(code) > 2
        bytes.fromhex(code[2:])


def test_staking_registry_is_built_like_the_real_one() -> None:
    """(staking asset, split factory, rollup registry), as the real StakingRegistry's constructor."""
    (constructor,) = [e for e in load_artifact("StakingRegistry")["abi"] if e["type"] == "constructor"]
    assert [(p["name"], p["type"]) for p in constructor["inputs"]] == [
        ("_stakingAsset", "address"),
        ("_pullSplitFactory", "address"),
        ("_rollupRegistry", "address"),
    ]


@pytest.mark.parametrize("name", OWN_CONTRACTS)
def test_artifact_records_the_pinned_compiler(name: str) -> None:
    compiler = load_artifact(name)["compiler"]
    assert compiler["version"].startswith("0.8.30+commit.")
    assert compiler["evmVersion"] == "cancun"
    assert compiler["optimizer"] == {"enabled": True, "runs": 200}


@pytest.mark.parametrize("name", OWN_CONTRACTS)
def test_artifact_was_built_from_the_committed_sources(name: str) -> None:
    """Catches a source edited without rebuilding (same hash as contracts/build.mjs computes)."""
    artifact = load_artifact(name)
    assert f"contracts/{name}.{'yul' if name in YUL_PROGRAMS else 'sol'}" in artifact["sources"]
    digest = hashlib.sha256()
    for path in sorted(artifact["sources"]):
        digest.update(path.encode() + b"\0" + (REPO_ROOT / path).read_bytes() + b"\0")
    assert artifact["sourceHash"] == "0x" + digest.hexdigest()


def test_rebuild_reproduces_the_committed_artifacts() -> None:
    node = shutil.which("node")
    if node is None or not (REPO_ROOT / "tools" / "node_modules" / "solc").is_dir():
        pytest.skip("node or the pinned solc is not installed")
    result = subprocess.run(
        [node, str(REPO_ROOT / "contracts" / "build.mjs"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def test_no_rollup_stand_in_exists() -> None:
    assert not (REPO_ROOT / "contracts" / "Rollup.sol").exists()
    assert not (ARTIFACTS_DIR / "Rollup.json").exists()
