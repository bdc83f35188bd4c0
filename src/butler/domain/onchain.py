"""What the chain tells us, as plain values: providers, queues, attester views, events."""

from __future__ import annotations

import enum

import attrs

from butler.domain.address import Address


@attrs.frozen
class G1Point:
    x: int
    y: int


@attrs.frozen
class G2Point:
    """Coordinates as the contracts take them: x0/y0 the real parts, x1/y1 the imaginary parts."""

    x0: int
    x1: int
    y0: int
    y1: int


@attrs.frozen
class KeyStore:
    """One attester's registration data, as stored in a provider queue."""

    attester: Address
    public_key_g1: G1Point
    public_key_g2: G2Point
    proof_of_possession: G1Point


@attrs.frozen
class DepositArgs:
    """One entry of the rollup's entry queue: staked, not yet validating."""

    attester: Address
    withdrawer: Address
    public_key_g1: G1Point
    public_key_g2: G2Point
    proof_of_possession: G1Point
    move_with_latest_rollup: bool


@attrs.frozen
class Provider:
    id: int
    admin: Address
    take_rate: int
    rewards_recipient: Address


class AttesterStatus(enum.IntEnum):
    """The rollup's `Status` enum, in its on-chain numbering."""

    NONE = 0
    VALIDATING = 1
    ZOMBIE = 2
    EXITING = 3


@attrs.frozen
class AttesterView:
    status: AttesterStatus
    effective_balance: int
    withdrawer: Address


@attrs.frozen
class StakedWithProvider:
    """A `StakedWithProvider` event: the attester's coinbase became known at `block_number`."""

    provider_id: int
    rollup: Address
    attester: Address
    coinbase: Address
    staker_implementation: Address
    block_number: int
    log_index: int
    transaction_hash: bytes = b""
    """Of the stake's transaction; empty when the source does not say."""


class DepositStep(enum.Enum):
    """What a rollup event says about one deposit of an attester."""

    QUEUED = "queued"
    """`ValidatorQueued`: the deposit entered the rollup's entry queue (in the stake's own transaction)."""
    DEPOSITED = "deposited"
    """`Deposit`: flushed from the entry queue, and the GSE took the stake."""
    FAILED = "failed"
    """`FailedDeposit`: flushed, the GSE refused it (e.g. already registered); the stake was refunded."""


@attrs.frozen
class RollupDepositEvent:
    """A rollup event about an attester's deposit. The entry queue is first in, first out: an attester's
    n-th DEPOSITED-or-FAILED event is the outcome of its n-th QUEUED deposit."""

    step: DepositStep
    attester: Address
    block_number: int
    log_index: int
    transaction_hash: bytes
