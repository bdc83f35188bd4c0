"""A thin web3 wrapper for the devnet: deploy, send from unlocked dev accounts, decode reverts."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import requests
from eth_abi.abi import decode as abi_decode
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception, Web3RPCError
from web3.types import TxParams, TxReceipt, Wei

from butler.devnet import artifacts
from butler.devnet.artifacts import Artifact
from butler.domain.address import Address
from butler.domain.errors import ButlerError

RPC_TIMEOUT_S = 30


class DevnetError(ButlerError):
    """An expected devnet problem, reported in one line."""


class TxFailed(DevnetError):
    """A transaction reverted (or would revert). `reason` is the decoded error when known."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what} failed: {reason}")
        self.reason = reason


class DevChain:
    """One devnet node. Calls are serialised: the HTTP server threads share one instance."""

    def __init__(self, rpc_url: str) -> None:
        self.rpc_url = rpc_url
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": RPC_TIMEOUT_S}))
        self.lock = threading.RLock()
        self._chain_id: int | None = None
        self._errors: dict[bytes, tuple[str, list[str]]] | None = None

    # --- reading -------------------------------------------------------------------------------

    def check_reachable(self) -> None:
        try:
            self.chain_id  # noqa: B018 - the property performs the request
        except (requests.RequestException, Web3Exception, OSError) as exc:
            raise DevnetError(f"devnet not reachable at {self.rpc_url}: {type(exc).__name__}") from None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            with self.lock:
                self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def contract(self, abi: Artifact | list[dict[str, Any]], address: Address) -> Contract:
        abi_list = abi.abi if isinstance(abi, Artifact) else abi
        return self.w3.eth.contract(address=_cs(address), abi=abi_list)

    def call(self, fn: ContractFunction) -> Any:
        with self.lock:
            return fn.call()

    def balance(self, address: Address) -> int:
        with self.lock:
            return int(self.w3.eth.get_balance(_cs(address)))

    def block_number(self) -> int:
        with self.lock:
            return int(self.w3.eth.block_number)

    def code(self, address: Address) -> bytes:
        with self.lock:
            return bytes(self.w3.eth.get_code(_cs(address)))

    def rpc(self, method: str, params: Sequence[Any]) -> Any:
        with self.lock:
            response = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in response:
            raise DevnetError(f"{method} failed: {response['error'].get('message', response['error'])}")
        return response.get("result")

    # --- writing -------------------------------------------------------------------------------

    def deploy(self, artifact: Artifact, *args: Any, sender: Address) -> tuple[Address, TxReceipt]:
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self.send_raw(
            {"from": _cs(sender), "data": factory.constructor(*args).data_in_transaction},
            what=f"deploying {artifact.name}",
        )
        address = receipt["contractAddress"]
        if address is None:
            raise DevnetError(f"deploying {artifact.name} created no contract")
        return Address.parse(address), receipt

    def transact(
        self, fn: ContractFunction, *, sender: Address, gas: int | None = None, value: int = 0, what: str = ""
    ) -> TxReceipt:
        tx: TxParams = {"from": _cs(sender), "to": fn.address, "data": fn._encode_transaction_data()}
        if value:
            tx["value"] = Wei(value)
        if gas is not None:
            tx["gas"] = gas
        return self.send_raw(tx, what=what or fn.fn_name)

    def send(
        self, *, sender: Address, to: Address, data: bytes = b"", value: int = 0, what: str
    ) -> TxReceipt:
        tx: TxParams = {"from": _cs(sender), "to": _cs(to), "data": data}
        if value:
            tx["value"] = Wei(value)
        return self.send_raw(tx, what=what)

    def send_raw(self, tx: TxParams, *, what: str) -> TxReceipt:
        """Send from an unlocked dev account; anvil mines it at once. A revert raises `TxFailed`."""
        with self.lock:
            try:
                tx_hash = self.w3.eth.send_transaction(tx)
                receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.02)
            except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
                raise TxFailed(what, self.describe_revert(exc)) from None
        if receipt["status"] != 1:
            raise TxFailed(what, f"reverted in transaction {receipt['transactionHash'].to_0x_hex()}")
        return receipt

    # --- errors --------------------------------------------------------------------------------

    def describe_revert(self, exc: Exception) -> str:
        data = getattr(exc, "data", None)
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            return self.decode_error(bytes.fromhex(data[2:]))
        # A node's refusal (e.g. insufficient funds) carries its own message; str(exc) would be a dict.
        rpc_error = (getattr(exc, "rpc_response", None) or {}).get("error")
        if isinstance(rpc_error, dict) and rpc_error.get("message"):
            return str(rpc_error["message"])[:300]
        message = getattr(exc, "message", None) or str(exc)
        return str(message).splitlines()[0][:300]

    def decode_error(self, revert_data: bytes) -> str:
        """`Name(arg, ...)` for a custom error of the contracts the devnet knows, else the raw data."""
        if self._errors is None:
            self._errors = _known_errors()
        if len(revert_data) < 4:
            return "reverted without a reason" if not revert_data else f"reverted with 0x{revert_data.hex()}"
        selector, body = revert_data[:4], revert_data[4:]
        if selector == bytes.fromhex("08c379a0"):
            return f"Error({abi_decode(['string'], body)[0]!r})"
        known = self._errors.get(selector)
        if known is None:
            return f"unknown error 0x{revert_data.hex()}"
        name, types = known
        try:
            values = abi_decode(types, body)
        except Exception:
            return name
        return f"{name}({', '.join(_show(v) for v in values)})" if values else name

    # --- anvil ---------------------------------------------------------------------------------

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot", []))

    def revert(self, snapshot_id: str) -> None:
        if not self.rpc("evm_revert", [snapshot_id]):
            raise DevnetError(f"anvil could not revert to snapshot {snapshot_id}")


def _cs(address: Address) -> ChecksumAddress:
    return Web3.to_checksum_address(address.checksum)


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return Web3.to_checksum_address(value)
    return str(value)


def _known_errors() -> dict[bytes, tuple[str, list[str]]]:
    known = [
        artifacts.aztec(name) for name in ("Errors", "GSE", "Governance", "TestERC20", "Rollup", "Registry")
    ]
    known += [artifacts.own(name) for name in ("PullSplitFactory", "StakingRegistry")]
    return artifacts.error_selectors(*known)
