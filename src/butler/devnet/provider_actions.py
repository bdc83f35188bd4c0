"""Funding accounts, and the provider queue: registration data from the real GSE, keys queued through the
real Safe, and the delegator's stakes that move them into the rollup's entry queue."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from butler.devnet import accounts
from butler.devnet.action_base import ActionBase, events_in, require_positive
from butler.devnet.chain import DevnetError
from butler.devnet.records import AddedKey, DevValidator, Funded, Staked, random_validator
from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keys import bls_public_key
from butler.domain.onchain import G1Point, G2Point, KeyStore
from butler.domain.registration import registration_keystore
from butler.domain.wei import Wei, wei_of

ADD_KEYS_CHUNK = 40


class ProviderActions(ActionBase):
    def fund(self, eth: Decimal, addresses: Sequence[Address]) -> list[Funded]:
        try:
            wei = wei_of(eth)
        except ValueError:
            wei = Wei(0)
        if wei <= 0:
            raise DevnetError(f"--eth must be a positive amount of ETH with at most 18 decimals, got {eth:f}")
        done = []
        for address in addresses:
            what = f"sending {eth:f} ETH to {address}"
            receipt = self.chain.send(sender=accounts.FAUCET.address, to=address, value=wei, what=what)
            done.append(Funded(address, wei, receipt["transactionHash"].to_0x_hex()))
        return done

    def registration_digests(self, public_keys: Sequence[G1Point]) -> list[G1Point]:
        digests = []
        for point in public_keys:
            x, y = self.chain.call(self.gse.functions.getRegistrationDigest((point.x, point.y)))
            digests.append(G1Point(int(x), int(y)))
        return digests

    def make_keystores(
        self, validators: Sequence[DevValidator], *, corrupt_proof: bool = False
    ) -> list[KeyStore]:
        """Registration data from the real GSE's digests; `corrupt_proof` signs the wrong point."""
        digests = self.registration_digests([bls_public_key(v.bls_key).point for v in validators])
        stores = []
        for validator, digest in zip(validators, digests, strict=True):
            store = registration_keystore(validator.attester, validator.bls_key, digest)
            if corrupt_proof:
                # Still a curve point, so only the pairing check can refuse it.
                store = attrs.evolve(
                    store, proof_of_possession=bn254.g1_add(store.proof_of_possession, bn254.G1)
                )
            stores.append(store)
        return stores

    def add_keys(self, count: int, *, corrupt_proof: bool = False) -> list[AddedKey]:
        """Generate `count` validators and queue them for the provider through the Safe."""
        require_positive(count, "--count")
        return self.add_validators([random_validator() for _ in range(count)], corrupt_proof=corrupt_proof)

    def add_validators(
        self, validators: Sequence[DevValidator], *, corrupt_proof: bool = False, duplicate: bool = False
    ) -> list[AddedKey]:
        """Queue these validators for the provider through the Safe, in order; with `duplicate`, the same
        keystores once more after them (a duplicate registration, as an operator's mistake makes one).

        Like the real registry, nothing stops a validator already on chain from being queued again."""
        if not validators:
            raise DevnetError("no validators to queue")
        stores = self.make_keystores(validators, corrupt_proof=corrupt_proof)
        return self.add_keystores([*stores, *stores] if duplicate else stores, corrupted_proof=corrupt_proof)

    def add_keystores(self, stores: Sequence[KeyStore], *, corrupted_proof: bool = False) -> list[AddedKey]:
        """addKeysToProvider executed through the real Safe, signed by a devnet owner."""
        added = []
        seen: set[KeyStore] = set()
        for start in range(0, len(stores), ADD_KEYS_CHUNK):
            chunk = stores[start : start + ADD_KEYS_CHUNK]
            data = self.registry.encode_abi(
                "addKeysToProvider", args=[self.config.provider_id, [_keystore_tuple(s) for s in chunk]]
            )
            receipt = self.execute_as_owner(self.config.staking_registry, 0, bytes.fromhex(data[2:]))
            tx_hash = receipt["transactionHash"].to_0x_hex()
            for store in chunk:
                added.append(AddedKey(store.attester, tx_hash, corrupted_proof, repeated=store in seen))
                seen.add(store)
        return added

    def provider_queue(self) -> list[Address]:
        pid = self.config.provider_id
        first = int(self.chain.call(self.registry.functions.getFirstIndexInQueue(pid)))
        last = int(self.chain.call(self.registry.functions.getLastIndexInQueue(pid)))
        return [
            Address.parse(self.chain.call(self.registry.functions.getValueAtIndexInQueue(pid, i))[0])
            for i in range(first, last)
        ]

    def stake(self, count: int) -> list[Staked]:
        """The delegator stakes `count` times: each moves the provider queue's head into the entry queue."""
        require_positive(count, "--count")
        pid = self.config.provider_id
        queued = int(self.chain.call(self.registry.functions.getProviderQueueLength(pid)))
        if queued < count:
            raise DevnetError(f"provider {pid} has {queued} queued key(s), cannot stake {count}")
        _, take_rate, _ = self.chain.call(self.registry.functions.providerConfigurations(pid))
        delegator = accounts.DELEGATOR.address.checksum
        done = []
        for _ in range(count):
            receipt = self.chain.transact(
                self.registry.functions.stake(
                    pid, self.rollup_version, delegator, take_rate, delegator, False
                ),
                sender=accounts.DELEGATOR.address,
                what="stake",
            )
            for event in events_in(self.registry, "StakedWithProvider", receipt):
                done.append(
                    Staked(
                        Address.parse(event["args"]["attester"]),
                        Address.parse(event["args"]["coinbaseSplitContractAddress"]),
                        receipt["transactionHash"].to_0x_hex(),
                    )
                )
        return done


def _keystore_tuple(store: KeyStore) -> tuple[object, ...]:
    g1, g2, pop = store.public_key_g1, store.public_key_g2, store.proof_of_possession
    return (store.attester.checksum, (g1.x, g1.y), _g2(g2), (pop.x, pop.y))


def _g2(point: G2Point) -> tuple[int, int, int, int]:
    return (point.x0, point.x1, point.y0, point.y1)
