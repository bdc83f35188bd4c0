"""The adapter's reads grouped by the configured address they go to, with the function each names first.

Shared by the tests of a misconfigured `rollup` or `staking_registry`, on the stub node and on the devnet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from butler.adapters.chain.jsonrpc_chain import JsonRpcChain
from butler.domain.address import Address
from butler.domain.onchain import G1Point

Read = Callable[[JsonRpcChain], object]

_SOMEONE = Address.from_int(0x5011)

ROLLUP_READS = [
    pytest.param(lambda chain: chain.entry_queue(), "getEntryQueueLength()", id="entry_queue"),
    pytest.param(
        lambda chain: chain.attester_views([_SOMEONE]), "getAttesterView(address)", id="attester_views"
    ),
    pytest.param(lambda chain: chain.registration_digests([G1Point(1, 2)]), "getGSE()", id="digests"),
]
REGISTRY_READS = [
    pytest.param(lambda chain: chain.provider_by_id(1), "providerConfigurations(uint256)", id="by_id"),
    pytest.param(lambda chain: chain.provider_by_admin(_SOMEONE), "nextProviderIdentifier()", id="by_admin"),
    pytest.param(lambda chain: chain.provider_queue(1), "getFirstIndexInQueue(uint256)", id="queue"),
]


def _for(setting: str, reads: list[Any]) -> list[Any]:
    return [pytest.param(setting, *read.values, id=f"{setting}-{read.id}") for read in reads]


SETTING_READS = [*_for("rollup", ROLLUP_READS), *_for("staking_registry", REGISTRY_READS)]
"""(setting, read, signature): each read of each configured contract."""


def refused_rollup(
    configured: Address, canonical: Address, registry: Address, staking_registry: Address
) -> str:
    """What the adapter says of a configured rollup that is not the canonical one."""
    return (
        f"rollup {configured} is not the canonical rollup {canonical} of the Aztec Registry {registry}, "
        f"named by staking_registry {staking_registry}: set rollup to the canonical one, or leave it out "
        "to follow the canonical rollup"
    )
