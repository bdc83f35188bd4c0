"""Safe 1.4.1 helpers for the devnet: the SafeTx EIP-712 hash, owner signatures, and execution."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import coincurve
from eth_abi.abi import encode as abi_encode
from web3.logs import DISCARD
from web3.types import TxReceipt

from butler.devnet import artifacts
from butler.devnet.chain import DevChain, DevnetError
from butler.domain.address import ZERO_ADDRESS, Address
from butler.domain.hashing import keccak256

DOMAIN_TYPEHASH = keccak256(b"EIP712Domain(uint256 chainId,address verifyingContract)")
SAFE_TX_TYPEHASH = keccak256(
    b"SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    b"uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
# The SafeTx fields after the type hash, as EIP-712 encodes them (`data` by its hash).
_SAFE_TX_STRUCT_TYPES = (
    "address",
    "uint256",
    "bytes32",
    "uint8",
    "uint256",
    "uint256",
    "uint256",
    "address",
    "address",
    "uint256",
)
CALL = 0
DELEGATE_CALL = 1
SIGNATURE_SIZE = 65
# execTransaction's own checks cost gas on top of what the inner call needs, and estimates of calls
# that measure gasleft() can fall short: use a generous margin on the devnet.
EXEC_GAS_FACTOR = 1.5
EXEC_GAS_EXTRA = 150_000
EXEC_GAS_CAP = 29_000_000


@attrs.frozen
class SafeTx:
    to: Address
    value: int
    data: bytes
    operation: int
    nonce: int
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: Address = ZERO_ADDRESS
    refund_receiver: Address = ZERO_ADDRESS


def domain_separator(chain_id: int, safe: Address) -> bytes:
    return keccak256(
        abi_encode(["bytes32", "uint256", "address"], [DOMAIN_TYPEHASH, chain_id, safe.checksum])
    )


def safe_tx_hash(chain_id: int, safe: Address, tx: SafeTx) -> bytes:
    args = _tx_args(tx)
    values = [SAFE_TX_TYPEHASH, *args[:2], keccak256(tx.data), *args[3:]]
    struct = abi_encode(["bytes32", *_SAFE_TX_STRUCT_TYPES], values)
    return keccak256(b"\x19\x01" + domain_separator(chain_id, safe) + keccak256(struct))


def eth_signed_message_hash(message_hash: bytes) -> bytes:
    return keccak256(b"\x19Ethereum Signed Message:\n32" + message_hash)


def sign_hash(key: bytes, digest: bytes) -> bytes:
    """r ‖ s ‖ v with v 27/28: a signature over the typed-data hash itself."""
    raw = coincurve.PrivateKey(key).sign_recoverable(digest, hasher=None)
    return raw[:64] + bytes([raw[64] + 27])


def sign_hash_eth_message(key: bytes, digest: bytes) -> bytes:
    """r ‖ s ‖ v with v 31/32: a personal_sign over the hash, as wallets that cannot sign typed data do."""
    raw = coincurve.PrivateKey(key).sign_recoverable(eth_signed_message_hash(digest), hasher=None)
    return raw[:64] + bytes([raw[64] + 31])


def recover_signer(digest: bytes, signature: bytes) -> Address | None:
    """The signer of one 65-byte ECDSA signature in the Safe's encoding, or None if it is not one."""
    if len(signature) != SIGNATURE_SIZE:
        return None
    v = signature[64]
    if v in (27, 28):
        message, recovery = digest, v - 27
    elif v in (31, 32):
        message, recovery = eth_signed_message_hash(digest), v - 31
    else:
        return None  # contract signatures and approved hashes are not proposals
    try:
        public = coincurve.PublicKey.from_signature_and_message(
            signature[:64] + bytes([recovery]), message, hasher=None
        )
    except Exception:
        return None
    return Address(keccak256(public.format(compressed=False)[1:])[-20:])


def split_signatures(blob: bytes) -> list[bytes]:
    if not blob or len(blob) % SIGNATURE_SIZE:
        raise ValueError(f"signatures must be a non-empty multiple of {SIGNATURE_SIZE} bytes")
    return [blob[i : i + SIGNATURE_SIZE] for i in range(0, len(blob), SIGNATURE_SIZE)]


def multisend_payload(calls: Sequence[tuple[Address, int, bytes]]) -> bytes:
    """MultiSendCallOnly packing: operation, to, value, data length, data — no padding."""
    packed = b"".join(
        b"\x00" + to.raw + value.to_bytes(32, "big") + len(data).to_bytes(32, "big") + data
        for to, value, data in calls
    )
    return bytes.fromhex("8d80ff0a") + abi_encode(["bytes"], [packed])


class SafeContract:
    """The real Safe at `address`, read and executed through a `DevChain`."""

    def __init__(self, chain: DevChain, address: Address) -> None:
        self.chain = chain
        self.address = address
        self.contract = chain.contract(artifacts.safe("Safe"), address)

    def nonce(self) -> int:
        return int(self.chain.call(self.contract.functions.nonce()))

    def threshold(self) -> int:
        return int(self.chain.call(self.contract.functions.getThreshold()))

    def owners(self) -> list[Address]:
        return [Address.parse(o) for o in self.chain.call(self.contract.functions.getOwners())]

    def onchain_tx_hash(self, tx: SafeTx) -> bytes:
        fn = self.contract.functions.getTransactionHash(*_tx_args(tx))
        return bytes(self.chain.call(fn))

    def tx_hash(self, tx: SafeTx) -> bytes:
        return safe_tx_hash(self.chain.chain_id, self.address, tx)

    def execute(
        self, tx: SafeTx, signatures: Sequence[tuple[Address, bytes]], *, sender: Address
    ) -> TxReceipt:
        """execTransaction with the given (signer, signature) pairs, ordered by signer as the Safe demands."""
        ordered = sorted(signatures, key=lambda pair: pair[0].raw)
        blob = b"".join(sig for _, sig in ordered)
        current = self.nonce()
        if tx.nonce != current:
            raise DevnetError(f"Safe transaction {tx.nonce} cannot run: the Safe's nonce is {current}")
        # execTransaction takes no nonce: it always executes at the Safe's current one.
        fn = self.contract.functions.execTransaction(*_tx_args(tx)[:-1], blob)
        try:
            with self.chain.lock:
                estimate = int(fn.estimate_gas({"from": sender.checksum}))
        except Exception as exc:
            raise DevnetError(
                f"Safe transaction {tx.nonce} would fail: {self.chain.describe_revert(exc)}"
            ) from None
        gas = min(int(estimate * EXEC_GAS_FACTOR) + EXEC_GAS_EXTRA, EXEC_GAS_CAP)
        receipt = self.chain.transact(
            fn, sender=sender, gas=gas, what=f"execTransaction (Safe nonce {tx.nonce})"
        )
        failure = self.contract.events.ExecutionFailure().process_receipt(receipt, errors=DISCARD)
        if failure:
            raise DevnetError(f"Safe transaction {tx.nonce} executed but its call failed")
        return receipt


def _tx_args(tx: SafeTx) -> list[object]:
    return [
        tx.to.checksum,
        tx.value,
        tx.data,
        tx.operation,
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        tx.gas_token.checksum,
        tx.refund_receiver.checksum,
        tx.nonce,
    ]
