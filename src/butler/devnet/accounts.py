"""anvil's funded dev accounts (from its well-known test mnemonic) and the role each plays on the devnet.

These keys are public test keys: printing them or writing them to a devnet key file is fine.
"""

from __future__ import annotations

import attrs

from butler.domain.address import Address
from butler.domain.keys import EthSecretKey, attester_address


@attrs.frozen
class DevAccount:
    index: int
    key_hex: str  # a public test key, never a real secret

    @property
    def key(self) -> bytes:
        return bytes.fromhex(self.key_hex[2:])

    @property
    def address(self) -> Address:
        return attester_address(EthSecretKey(int(self.key_hex, 16)))


_KEYS = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
)
DEV_ACCOUNTS = tuple(DevAccount(i, key) for i, key in enumerate(_KEYS))

DEPLOYER = DEV_ACCOUNTS[0]
"""Deploys everything and owns the GSE, the tokens and the Aztec registry."""
SAFE_OWNER_1 = DEV_ACCOUNTS[1]
"""Safe owner; its key is the devnet's proposer key."""
SAFE_OWNER_2 = DEV_ACCOUNTS[2]
SAFE_OWNERS = (SAFE_OWNER_1, SAFE_OWNER_2)
DELEGATOR = DEV_ACCOUNTS[3]
"""Stakes with provider 1."""
FAUCET = DEV_ACCOUNTS[4]
"""Sends ETH for `fund`."""
EXECUTOR = DEV_ACCOUNTS[5]
"""Sends the Safe's execTransaction (anyone may; the signatures are what count)."""
