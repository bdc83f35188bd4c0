"""The contract ABIs the product speaks, read from the JSON files shipped in `butler/adapters/chain/abi/`.

The JSON files are the contracts' real ABIs; selectors, topics and eth_abi type strings are derived
from them rather than written out by hand.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import attrs
from eth_abi.abi import decode, encode

from butler.domain.hashing import keccak256

STAKING_REGISTRY = "StakingRegistry.json"
ROLLUP = "Rollup.subset.json"
ROLLUP_DEPOSITS = "RollupDeposits.subset.json"
"""The Rollup's deposit events (ValidatorQueued, Deposit, FailedDeposit), from Aztec's l1-artifacts 4.1.2."""
GSE = "GSE.subset.json"
REGISTRY = "Registry.subset.json"  # the Aztec Registry of rollup versions, not the StakingRegistry


def _abi_type(param: Mapping[str, Any]) -> str:
    """The canonical type of an ABI parameter, tuples spelled out: `(uint256,(uint256,uint256))[]`."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(component) for component in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


@attrs.frozen
class AbiFunction:
    name: str
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.input_types)})"

    @functools.cached_property
    def selector(self) -> bytes:
        return keccak256(self.signature.encode())[:4]

    def encode_call(self, *args: Any) -> bytes:
        return self.selector + encode(list(self.input_types), list(args))

    def decode_result(self, data: bytes) -> tuple[Any, ...]:
        return tuple(decode(list(self.output_types), data))


@attrs.frozen
class AbiEvent:
    name: str
    input_types: tuple[str, ...]
    indexed: tuple[bool, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.input_types)})"

    @functools.cached_property
    def topic0(self) -> bytes:
        return keccak256(self.signature.encode())

    @property
    def indexed_types(self) -> tuple[str, ...]:
        pairs = zip(self.input_types, self.indexed, strict=True)
        return tuple(t for t, is_indexed in pairs if is_indexed)

    @property
    def data_types(self) -> tuple[str, ...]:
        pairs = zip(self.input_types, self.indexed, strict=True)
        return tuple(t for t, is_indexed in pairs if not is_indexed)


@functools.cache
def abi_json(file_name: str) -> Sequence[Mapping[str, Any]]:
    """The raw ABI entries of one shipped file (e.g. for building calldata with another library)."""
    text = resources.files(__package__).joinpath("abi", file_name).read_text(encoding="utf-8")
    entries = json.loads(text)
    if not isinstance(entries, list):
        raise ValueError(f"ABI file {file_name} must hold a JSON list")
    return tuple(entries)


def _entry(file_name: str, kind: str, name: str) -> Mapping[str, Any]:
    matches = [e for e in abi_json(file_name) if e.get("type") == kind and e.get("name") == name]
    if len(matches) != 1:
        raise LookupError(f"{file_name}: expected exactly one {kind} {name}, found {len(matches)}")
    return matches[0]


@functools.cache
def function(file_name: str, name: str) -> AbiFunction:
    entry = _entry(file_name, "function", name)
    return AbiFunction(
        name=name,
        input_types=tuple(_abi_type(p) for p in entry["inputs"]),
        output_types=tuple(_abi_type(p) for p in entry["outputs"]),
    )


@functools.cache
def event(file_name: str, name: str) -> AbiEvent:
    entry = _entry(file_name, "event", name)
    return AbiEvent(
        name=name,
        input_types=tuple(_abi_type(p) for p in entry["inputs"]),
        indexed=tuple(bool(p.get("indexed")) for p in entry["inputs"]),
    )


@functools.cache
def error_names(file_name: str) -> Mapping[bytes, str]:
    """The custom errors one shipped file declares, by selector: to name what a revert's data says."""
    names: dict[bytes, str] = {}
    for entry in abi_json(file_name):
        if entry.get("type") == "error":
            signature = f"{entry['name']}({','.join(_abi_type(p) for p in entry['inputs'])})"
            names[keccak256(signature.encode())[:4]] = str(entry["name"])
    return names
