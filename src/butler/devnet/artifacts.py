"""Compiled contracts: the real Aztec (forge) and Safe (hardhat) artifacts, and our own stand-ins."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import attrs

from butler.devnet import tools
from butler.domain.hashing import keccak256

OWN_ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


@attrs.frozen
class Artifact:
    name: str
    abi: list[dict[str, Any]] = attrs.field(repr=False)
    bytecode: str = attrs.field(repr=False)  # 0x-prefixed creation code


def _bytecode(value: object, name: str) -> str:
    # forge nests the code as {"object": ...}; hardhat and our own artifacts keep a plain string.
    code = value.get("object") if isinstance(value, dict) else value
    if not isinstance(code, str) or len(code) < 4:
        raise tools.ToolError(f"artifact {name} has no bytecode")
    return code if code.startswith("0x") else "0x" + code


def _load(path: Path, name: str) -> Artifact:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise tools.ToolError(f"cannot read artifact {name} at {path}: {exc}") from exc
    return Artifact(name=name, abi=data["abi"], bytecode=_bytecode(data.get("bytecode"), name))


@functools.cache
def aztec(name: str) -> Artifact:
    """A contract from @aztec/l1-artifacts, e.g. `aztec("GSE")` (from out/GSE.sol/GSE.json)."""
    root = tools.package_dir(tools.AZTEC_ARTIFACTS)
    path = root / "l1-contracts" / "out" / f"{name}.sol" / f"{name}.json"
    return _load(path, name)


@functools.cache
def safe(relative: str) -> Artifact:
    """A contract from @safe-global/safe-contracts, e.g. `safe("proxies/SafeProxyFactory")`."""
    root = tools.package_dir(tools.SAFE_ARTIFACTS)
    name = relative.rsplit("/", 1)[-1]
    path = root / "build" / "artifacts" / "contracts" / f"{relative}.sol" / f"{name}.json"
    return _load(path, name)


@functools.cache
def own(name: str) -> Artifact:
    """One of our contracts, committed beside this module (StakingRegistry, PullSplitFactory)."""
    return _load(OWN_ARTIFACTS_DIR / f"{name}.json", name)


def error_selectors(*artifacts: Artifact) -> dict[bytes, tuple[str, list[str]]]:
    """4-byte selector → (error name, argument types) over the custom errors of the given ABIs."""
    table: dict[bytes, tuple[str, list[str]]] = {}
    for artifact in artifacts:
        for item in artifact.abi:
            if item.get("type") != "error":
                continue
            types = [_abi_type(arg) for arg in item.get("inputs", [])]
            signature = f"{item['name']}({','.join(types)})"
            table[keccak256(signature.encode())[:4]] = (item["name"], types)
    return table


def _abi_type(arg: dict[str, Any]) -> str:
    kind: str = arg["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in arg.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind
