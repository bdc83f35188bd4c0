"""The devnet's clock. Blocks advance it by one L1 slot each, as the Aztec deployment sets it; the
devnet moves it further when the real contracts wait on time (the next flushable epoch, the exit delay)."""

from __future__ import annotations

import time

from butler.devnet.aztec_l1 import DEVNET_L1_CONFIG
from butler.devnet.chain import DevChain

L1_SLOT_S = int(DEVNET_L1_CONFIG["ethereumSlotDuration"])


def latest_timestamp(chain: DevChain) -> int:
    return int(chain.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def resume(chain: DevChain) -> None:
    """After `--load-state`: anvil would stamp the next block with the wall clock, which lies before the
    saved chain's last block while the saved state is young (the deployment runs ahead of the wall
    clock), and anvil refuses a timestamp before its own clock once it is older. Continue at whichever
    is later, then one slot per block as the deployment set it."""
    target = max(latest_timestamp(chain) + L1_SLOT_S, int(time.time()) + 1)
    chain.rpc("evm_setNextBlockTimestamp", [target])
    chain.rpc("anvil_setBlockTimestampInterval", [L1_SLOT_S])
    chain.rpc("evm_mine", [])


def advance_to(chain: DevChain, timestamp: int) -> None:
    """Mine an empty block stamped `timestamp`, unless the clock is already past it."""
    if timestamp > latest_timestamp(chain):
        chain.rpc("evm_setNextBlockTimestamp", [timestamp])
        chain.rpc("evm_mine", [])
