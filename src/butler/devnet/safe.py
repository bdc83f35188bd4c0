"""Safe 1.4.1 on the devnet: the real contract read and executed, and what the tx-service stand-in needs
to check signatures. The SafeTx, its hash, MultiSend packing and proposer signatures are the product's
own (`butler.domain.safe`): the devnet checks the product's code rather than a copy of it."""

from __future__ import annotations

from collections.abc import Sequence

import coincurve
from web3.logs import DISCARD
from web3.types import TxReceipt

from butler.devnet import artifacts
from butler.devnet.chain import DevChain, DevnetError
from butler.domain import safe as domain_safe
from butler.domain.address import Address
from butler.domain.hashing import keccak256
from butler.domain.keys import EthSecretKey
from butler.domain.safe import (
    SIGNATURE_SIZE,
    SafeTransaction,
    sign_safe_tx_hash,
)

# execTransaction's own checks cost gas on top of what the inner call needs, and estimates of calls
# that measure gasleft() can fall short: use a generous margin on the devnet.
EXEC_GAS_FACTOR = 1.5
EXEC_GAS_EXTRA = 150_000
EXEC_GAS_CAP = 29_000_000
# Safe reads v 31/32 as an ECDSA signature over the EIP-191 prefixed hash (what eth_sign produces).
_ETH_SIGN_V_SHIFT = 4


def eth_signed_message_hash(message_hash: bytes) -> bytes:
    return keccak256(b"\x19Ethereum Signed Message:\n32" + message_hash)


def sign_hash(key: bytes, digest: bytes) -> bytes:
    """r ‖ s ‖ v with v 27/28: a signature over the typed-data hash itself, as the product makes it."""
    return sign_safe_tx_hash(EthSecretKey(int.from_bytes(key, "big")), digest)


def sign_hash_eth_message(key: bytes, digest: bytes) -> bytes:
    """r ‖ s ‖ v with v 31/32: a personal_sign over the hash, as wallets that cannot sign typed data do."""
    signature = sign_hash(key, eth_signed_message_hash(digest))
    return signature[:64] + bytes([signature[64] + _ETH_SIGN_V_SHIFT])


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

    def onchain_tx_hash(self, tx: SafeTransaction) -> bytes:
        fn = self.contract.functions.getTransactionHash(*_tx_args(tx))
        return bytes(self.chain.call(fn))

    def tx_hash(self, tx: SafeTransaction) -> bytes:
        return domain_safe.safe_tx_hash(tx, self.chain.chain_id, self.address)

    def execute(
        self, tx: SafeTransaction, signatures: Sequence[tuple[Address, bytes]], *, sender: Address
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


def _tx_args(tx: SafeTransaction) -> list[object]:
    return [
        tx.to.checksum,
        tx.value,
        tx.data,
        int(tx.operation),
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        tx.gas_token.checksum,
        tx.refund_receiver.checksum,
        tx.nonce,
    ]
