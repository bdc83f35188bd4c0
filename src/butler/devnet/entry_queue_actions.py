"""The rollup's entry queue: flushing it into the real GSE (moving the clock to the next flushable epoch
when this one's flushes are used up), its flush limits, and epochs."""

from __future__ import annotations

from typing import Any

from web3.types import TxReceipt

from butler.devnet import accounts, clock
from butler.devnet.action_base import ActionBase, decode_event, require_positive
from butler.devnet.chain import DevnetError
from butler.devnet.records import Flushed
from butler.domain.address import Address
from butler.domain.entry_queue import QueueConfig

# A GSE deposit costs ~0.6-0.8M gas, and the Rollup reverts a whole flush whose deposit ran out of gas:
# fixed limits with a wide margin, since estimates of such calls can fall a little short.
FLUSH_GAS_PER_DEPOSIT = 3_000_000
FLUSH_GAS_BASE = 300_000
FLUSH_CHUNK = 8  # 8 x 3M stays inside anvil's 30M block gas limit


class EntryQueueActions(ActionBase):
    def entry_queue(self) -> list[Address]:
        length = int(self.chain.call(self.rollup.functions.getEntryQueueLength()))
        return [
            Address.parse(self.chain.call(self.rollup.functions.getEntryQueueAt(i))[0]) for i in range(length)
        ]

    def flush(self, count: int) -> list[Flushed]:
        """Move up to `count` entry-queue heads into the real GSE with the real `flushEntryQueue`, which
        checks each proof of possession. When this epoch's flushes are used up, the clock moves to the
        next flushable epoch."""
        require_positive(count, "--count")
        waiting = int(self.chain.call(self.rollup.functions.getEntryQueueLength()))
        if waiting == 0:
            raise DevnetError("the rollup entry queue is empty: nothing to flush")
        remaining = min(count, waiting)
        done: list[Flushed] = []
        while remaining:
            available = self._available_flushes()
            n = min(remaining, available, FLUSH_CHUNK)
            receipt = self.chain.transact(
                self.rollup.functions.flushEntryQueue(n),
                sender=accounts.DEPLOYER.address,
                gas=FLUSH_GAS_BASE + n * FLUSH_GAS_PER_DEPOSIT,
                what="flushEntryQueue",
            )
            moved = self._flush_results(receipt)
            if not moved:
                raise DevnetError("flushEntryQueue moved nothing although the rollup allowed a flush")
            done += moved
            remaining -= len(moved)
        return done

    def _available_flushes(self) -> int:
        available = int(self.chain.call(self.rollup.functions.getAvailableValidatorFlushes()))
        if available:
            return available
        epoch = int(self.chain.call(self.rollup.functions.getNextFlushableEpoch()))
        clock.advance_to(self.chain, self._epoch_start(epoch))
        available = int(self.chain.call(self.rollup.functions.getAvailableValidatorFlushes()))
        if not available:
            raise DevnetError(f"the rollup allows no flush in epoch {epoch} (its staking queue config)")
        return available

    def _flush_results(self, receipt: TxReceipt) -> list[Flushed]:
        tx_hash = receipt["transactionHash"].to_0x_hex()
        done = []
        for log in receipt["logs"]:
            if Address.parse(log["address"]) != self.config.rollup:
                continue
            if (event := decode_event(self.rollup, "Deposit", log)) is not None:
                done.append(Flushed(Address.parse(event["args"]["attester"]), True, None, tx_hash))
            elif (event := decode_event(self.rollup, "FailedDeposit", log)) is not None:
                reason = self._refusal(event["args"], int(receipt["blockNumber"]))
                done.append(Flushed(Address.parse(event["args"]["attester"]), False, reason, tx_hash))
        return done

    def _refusal(self, args: Any, block: int) -> str:
        """The real FailedDeposit event carries no reason: ask the GSE again, as the rollup, at the flush's
        block. It checks registration and the proof of possession before it moves any tokens."""
        g1, g2, pop = args["publicKeyInG1"], args["publicKeyInG2"], args["proofOfPossession"]
        data = self.gse.encode_abi(
            "deposit",
            args=[
                args["attester"],
                args["withdrawer"],
                (g1["x"], g1["y"]),
                (g2["x0"], g2["x1"], g2["y0"], g2["y1"]),
                (pop["x"], pop["y"]),
                False,
            ],
        )
        call = {"from": self.config.rollup.checksum, "to": self.config.gse.checksum, "data": data}
        with self.chain.lock:
            response = self.chain.w3.provider.make_request("eth_call", [call, hex(block)])  # type: ignore[arg-type]
        error: Any = response.get("error") or {}
        revert = error.get("data") if isinstance(error, dict) else None
        if isinstance(revert, str) and revert.startswith("0x"):
            return self.chain.decode_error(bytes.fromhex(revert[2:]))
        return "refused by the GSE"

    def flush_allowed(self) -> list[Flushed]:
        """The real `flushEntryQueue` as this epoch still allows it, in chunks that fit a block; the clock
        stays. Flushing as soon as allowed is calling this at the start of every epoch."""
        done: list[Flushed] = []
        while True:
            available = int(self.chain.call(self.rollup.functions.getAvailableValidatorFlushes()))
            waiting = int(self.chain.call(self.rollup.functions.getEntryQueueLength()))
            n = min(available, waiting, FLUSH_CHUNK)
            if n == 0:
                return done
            receipt = self.chain.transact(
                self.rollup.functions.flushEntryQueue(n),
                sender=accounts.DEPLOYER.address,
                gas=FLUSH_GAS_BASE + n * FLUSH_GAS_PER_DEPOSIT,
                what="flushEntryQueue",
            )
            done += self._flush_results(receipt)

    def set_queue_config(self, config: QueueConfig) -> str:
        """The real `updateStakingQueueConfig`, sent as the rollup's owner: the entry queue's flush limits
        from now on. Returns the tx hash."""
        fields = (
            config.bootstrap_validator_set_size,
            config.bootstrap_flush_size,
            config.normal_flush_size_min,
            config.normal_flush_size_quotient,
            config.max_queue_flush_size,
        )
        owner = Address.parse(self.chain.call(self.rollup.functions.owner()))
        receipt = self._as(
            owner, self.rollup.functions.updateStakingQueueConfig(fields), what="updateStakingQueueConfig"
        )
        return str(receipt["transactionHash"].to_0x_hex())

    def advance_epochs(self, epochs: int = 1) -> int:
        """Move the clock to the start of the rollup epoch `epochs` after the current one (one empty
        block there); returns that epoch."""
        require_positive(epochs, "--epochs")
        epoch = int(self.chain.call(self.rollup.functions.getCurrentEpoch())) + epochs
        clock.advance_to(self.chain, self._epoch_start(epoch))
        return epoch
