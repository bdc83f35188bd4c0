"""Registration data for one attester (SPEC §9): the KeyStore that `addKeysToProvider` takes."""

from __future__ import annotations

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.keys import BlsSecretKey, bls_public_key
from butler.domain.onchain import G1Point, KeyStore


class RegistrationError(ValueError):
    """Registration data cannot be built from these inputs. The message says why."""


def registration_keystore(attester: Address, sk: BlsSecretKey, digest: G1Point) -> KeyStore:
    """pk1 = k·G1, pk2 = k·G2 and the proof of possession k·digest.

    `digest` is the GSE's `getRegistrationDigest(pk1)`; it must come from the deployed GSE, whose
    hash-to-point differs between generations.
    """
    if not bn254.is_on_curve_g1(digest):
        raise RegistrationError("the registration digest is not a point on BN254 G1")
    k = sk.scalar
    return KeyStore(
        attester=attester,
        public_key_g1=bls_public_key(sk).point,
        public_key_g2=bn254.g2_generator_mul(k),
        proof_of_possession=bn254.g1_mul(digest, k),
    )
