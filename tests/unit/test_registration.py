"""Registration data (SPEC §9) checked the way the GSE checks it: on the curves and by the pairing."""

from __future__ import annotations

import pytest
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2
from py_ecc.optimized_bn128 import optimized_curve as curve
from py_ecc.optimized_bn128.optimized_pairing import pairing

from butler.domain import bn254
from butler.domain.address import Address
from butler.domain.hashing import keccak256
from butler.domain.keys import BlsSecretKey, bls_public_key, parse_bls_secret_key
from butler.domain.onchain import G1Point, G2Point
from butler.domain.registration import RegistrationError, registration_keystore

ATTESTER = Address.parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
SECRET_KEYS = [
    "0x09d2913bbbf998f7a0018203321c5427e3b912fb9f57ed6004c89ea9abf0c413",
    f"0x{bn254.R - 1:064x}",
]


def digest_for(label: bytes) -> G1Point:
    """A G1 point nobody knows the discrete log of, as a hash-to-curve gives (try-and-increment)."""
    counter = 0
    while True:
        x = int.from_bytes(keccak256(label + counter.to_bytes(4, "big")), "big") % bn254.P
        y_squared = (x**3 + 3) % bn254.P
        y = pow(y_squared, (bn254.P + 1) // 4, bn254.P)
        if y * y % bn254.P == y_squared:
            return G1Point(x, y)
        counter += 1


def as_py_ecc_g2(point: G2Point) -> tuple[FQ2, FQ2, FQ2]:
    # py_ecc's FQ2([c0, c1]) is c0 + c1·i: the real part first, as SPEC §9 writes x0, x1.
    return (FQ2([point.x0, point.x1]), FQ2([point.y0, point.y1]), FQ2.one())


def as_py_ecc_g1(point: G1Point) -> tuple[FQ, FQ, FQ]:
    return (FQ(point.x), FQ(point.y), FQ.one())


@pytest.mark.parametrize("key_text", SECRET_KEYS, ids=["vector-key", "r-minus-1"])
def test_keystore_verifies_like_the_gse(key_text: str) -> None:
    sk = parse_bls_secret_key(key_text)
    digest = digest_for(bls_public_key(sk).compressed)
    keystore = registration_keystore(ATTESTER, sk, digest)

    assert keystore.attester == ATTESTER
    assert keystore.public_key_g1 == bls_public_key(sk).point
    pk2 = as_py_ecc_g2(keystore.public_key_g2)
    assert curve.is_on_curve(pk2, curve.b2)
    assert curve.eq(pk2, curve.multiply(curve.G2, sk.scalar))
    pop = as_py_ecc_g1(keystore.proof_of_possession)
    assert curve.is_on_curve(pop, curve.b)
    # e(pop, G2) == e(digest, pk2), the check the GSE makes with the pairing precompile.
    assert pairing(curve.G2, pop) == pairing(pk2, as_py_ecc_g1(digest))


def test_swapped_g2_coordinates_are_not_on_the_twist() -> None:
    keystore = registration_keystore(ATTESTER, parse_bls_secret_key(SECRET_KEYS[0]), digest_for(b"x"))
    pk2 = keystore.public_key_g2
    swapped = G2Point(x0=pk2.x1, x1=pk2.x0, y0=pk2.y1, y1=pk2.y0)
    assert not curve.is_on_curve(as_py_ecc_g2(swapped), curve.b2)


def test_proof_of_another_key_fails_the_pairing() -> None:
    sk, other = (parse_bls_secret_key(text) for text in SECRET_KEYS)
    digest = digest_for(b"digest")
    mine = registration_keystore(ATTESTER, sk, digest)
    forged = registration_keystore(ATTESTER, other, digest)
    pop = as_py_ecc_g1(forged.proof_of_possession)
    pk2 = as_py_ecc_g2(mine.public_key_g2)
    assert pairing(curve.G2, pop) != pairing(pk2, as_py_ecc_g1(digest))


def test_proof_of_possession_is_the_key_times_the_digest() -> None:
    sk = BlsSecretKey(7)
    digest = digest_for(b"seven")
    expected = curve.normalize(curve.multiply(as_py_ecc_g1(digest), 7))
    proof = registration_keystore(ATTESTER, sk, digest).proof_of_possession
    assert proof == G1Point(int(expected[0]), int(expected[1]))


@pytest.mark.parametrize("digest", [G1Point(1, 3), bn254.INFINITY, G1Point(bn254.P + 1, 2)])
def test_a_digest_off_the_curve_is_refused(digest: G1Point) -> None:
    with pytest.raises(RegistrationError, match="digest"):
        registration_keystore(ATTESTER, BlsSecretKey(7), digest)
