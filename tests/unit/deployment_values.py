"""Small deployment inputs for the prepare-deployment tests: numbered attesters with real BLS points,
numbered publishers, and keyfiles built from them."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.config import NetworkConfig
from butler.domain.deployment import DeploymentInputs
from butler.domain.keyfiles import (
    DeployedValidator,
    FeeRecipient,
    ProductionKeyfile,
    PublicAttester,
    PublicKeysFile,
    PublicValidator,
)
from butler.domain.keys import BlsPublicKey
from butler.domain.publisher_sets import PublisherSets

REMOTE_SIGNER = "https://signer.example.com:8080"
FEE = FeeRecipient(bytes(32))
PRODUCTION = "prod.json"
NEW = "new.json"
PUBLISHERS = "publishers.json"


# Built once here rather than inside the first hypothesis example.
bn254.precompute_generator_table()


@functools.cache
def bls(n: int) -> BlsPublicKey:
    return BlsPublicKey(bn254.g1_generator_mul(n))


def attester(n: int, *, key: int | None = None) -> PublicAttester:
    """Attester number `n`; `key` picks another BLS key (to make two attesters share one)."""
    return PublicAttester(eth=Address.from_int(0xA77E_0000 + n), bls=bls(key if key is not None else n))


def publisher(n: int) -> Address:
    return Address.from_int(0x9B_0000 + n)


def coinbase(n: int) -> Address:
    return Address.from_int(0xC0_0000 + n)


def deployed(n: int, *, cb: Address | None = None, key: int | None = None) -> DeployedValidator:
    return DeployedValidator(attester(n, key=key), publisher(0), cb, FEE)


def production(*validators: DeployedValidator) -> ProductionKeyfile:
    return ProductionKeyfile(schema_version=1, remote_signer=REMOTE_SIGNER, validators=validators)


def new_keys(*numbers: int, keys: Sequence[int] | None = None) -> PublicKeysFile:
    chosen = keys if keys is not None else numbers
    return PublicKeysFile(
        schema_version=1,
        validators=tuple(
            PublicValidator(attester(n, key=k), FEE) for n, k in zip(numbers, chosen, strict=True)
        ),
    )


def inputs(
    prod: ProductionKeyfile, new: PublicKeysFile, publishers: PublisherSets | Sequence[Address]
) -> DeploymentInputs:
    sets = publishers if isinstance(publishers, PublisherSets) else PublisherSets.single(tuple(publishers))
    return DeploymentInputs(prod, PRODUCTION, new, NEW, sets, PUBLISHERS)


def devnet_network(provider_id: int) -> NetworkConfig:
    """A devnet network config for use cases over the fake chain."""
    return NetworkConfig(
        network="devnet",
        chain_id=31337,
        staking_registry=Address.from_int(0x5E),
        rollup=Address.from_int(0x70),
        provider_id=provider_id,
    )
