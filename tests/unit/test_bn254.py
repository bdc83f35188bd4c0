"""BN254 arithmetic against py_ecc's reference implementation, and the compressed encoding."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from py_ecc.bn128 import bn128_curve as reference
from py_ecc.fields import bn128_FQ as FQ
from py_ecc.optimized_bn128 import optimized_curve as optimized

from butler.domain import bn254
from butler.domain.onchain import G1Point, G2Point
from tests.strategies import bls_scalars

scalars = bls_scalars
any_ints = st.integers(min_value=-(2**300), max_value=2**300)
EDGE_SCALARS = [1, 2, 3, 255, 256, 257, bn254.R - 1, bn254.R - 2, *(2**i for i in range(0, 254, 7)), 2**253]


def reference_mul(k: int) -> G1Point:
    point = reference.multiply(reference.G1, k % bn254.R)
    if point is None:
        return bn254.INFINITY
    return G1Point(int(point[0]), int(point[1]))


def test_constants_are_the_alt_bn128_ones() -> None:
    assert reference.field_modulus == bn254.P
    assert reference.curve_order == bn254.R
    assert G1Point(int(reference.G1[0]), int(reference.G1[1])) == bn254.G1
    assert bn254.is_on_curve_g1(bn254.G1)


@pytest.mark.parametrize("k", EDGE_SCALARS)
def test_generator_mul_matches_reference_on_edge_scalars(k: int) -> None:
    assert bn254.g1_generator_mul(k) == reference_mul(k)


@given(scalars)
def test_generator_mul_matches_reference(k: int) -> None:
    assert bn254.g1_generator_mul(k) == reference_mul(k)


@given(any_ints)
def test_generator_mul_reduces_any_integer_mod_r(k: int) -> None:
    assert bn254.g1_generator_mul(k) == bn254.g1_generator_mul(k % bn254.R)


@pytest.mark.parametrize("k", [0, bn254.R, 2 * bn254.R, -bn254.R])
def test_multiples_of_r_give_the_point_at_infinity(k: int) -> None:
    assert bn254.g1_generator_mul(k) == bn254.INFINITY
    assert bn254.g1_mul(bn254.G1, k) == bn254.INFINITY
    assert bn254.g2_generator_mul(k) == bn254.G2_INFINITY


@settings(max_examples=30)
@given(base=scalars, k=st.one_of(scalars, st.sampled_from(EDGE_SCALARS)))
def test_mul_of_any_point_matches_reference(base: int, k: int) -> None:
    point = reference_mul(base)
    expected = reference.multiply((FQ(point.x), FQ(point.y)), k)
    assert expected is not None
    assert bn254.g1_mul(point, k) == G1Point(int(expected[0]), int(expected[1]))


@given(a=scalars, b=scalars)
def test_add_is_the_group_law(a: int, b: int) -> None:
    assert bn254.g1_add(bn254.g1_generator_mul(a), bn254.g1_generator_mul(b)) == reference_mul(a + b)


@given(scalars)
def test_add_handles_doubling_inverse_and_identity(k: int) -> None:
    point = bn254.g1_generator_mul(k)
    assert bn254.g1_add(point, point) == reference_mul(2 * k)
    assert bn254.g1_add(point, bn254.g1_neg(point)) == bn254.INFINITY
    assert bn254.g1_add(point, bn254.INFINITY) == point
    assert bn254.g1_add(bn254.INFINITY, point) == point


def test_arithmetic_refuses_points_off_the_curve() -> None:
    off_curve = G1Point(1, 3)
    with pytest.raises(bn254.PointFormatError):
        bn254.g1_mul(off_curve, 5)
    with pytest.raises(bn254.PointFormatError):
        bn254.g1_add(off_curve, bn254.G1)
    with pytest.raises(bn254.PointFormatError):
        bn254.compress_g1(off_curve)
    with pytest.raises(bn254.PointFormatError):
        bn254.compress_g1(bn254.INFINITY)


@given(scalars)
def test_decompress_inverts_compress(k: int) -> None:
    point = bn254.g1_generator_mul(k)
    encoded = bn254.compress_g1(point)
    assert len(encoded) == 32
    assert bool(encoded[0] & 0x80) == bool(point.y & 1)
    assert int.from_bytes(encoded, "big") & ((1 << 254) - 1) == point.x
    assert bn254.decompress_g1(encoded) == point


@given(scalars)
def test_negated_point_differs_only_in_the_parity_flag(k: int) -> None:
    point = bn254.g1_generator_mul(k)
    encoded, negated = bn254.compress_g1(point), bn254.compress_g1(bn254.g1_neg(point))
    assert encoded[0] ^ negated[0] == 0x80
    assert encoded[1:] == negated[1:]


def test_key_one_and_r_minus_one_compress_as_the_spec_says() -> None:
    assert bn254.compress_g1(bn254.g1_generator_mul(1)) == bytes(31) + b"\x01"
    assert bn254.compress_g1(bn254.g1_generator_mul(bn254.R - 1)) == b"\x80" + bytes(30) + b"\x01"


def _encode(x: int, flags: int = 0) -> bytes:
    return (x | (flags << 248)).to_bytes(32, "big")


@given(st.integers(min_value=bn254.P, max_value=2**254 - 1), st.sampled_from([0, 0x80]))
def test_decompress_refuses_x_not_below_p(x: int, flags: int) -> None:
    with pytest.raises(bn254.PointFormatError, match="field modulus"):
        bn254.decompress_g1(_encode(x, flags))


@given(st.integers(min_value=1, max_value=bn254.P - 1), st.sampled_from([0, 0x80]))
@example(x=4, flags=0)  # 4^3 + 3 is not a square mod p
@example(x=1, flags=0)
def test_decompress_accepts_exactly_the_x_on_the_curve(x: int, flags: int) -> None:
    # Euler's criterion decides independently whether x^3 + 3 has a square root.
    on_curve = pow(x**3 + 3, (bn254.P - 1) // 2, bn254.P) == 1
    if on_curve:
        point = bn254.decompress_g1(_encode(x, flags))
        assert point.x == x
        assert point.y & 1 == (flags == 0x80)
        assert reference.is_on_curve((FQ(point.x), FQ(point.y)), reference.b)
    else:
        with pytest.raises(bn254.PointFormatError, match="not the coordinate"):
            bn254.decompress_g1(_encode(x, flags))


@given(scalars, st.sampled_from([0x40, 0xC0]))
def test_decompress_refuses_unknown_flag_bits(k: int, flag: int) -> None:
    valid = bytearray(bn254.compress_g1(bn254.g1_generator_mul(k)))
    valid[0] |= flag
    with pytest.raises(bn254.PointFormatError, match="flag"):
        bn254.decompress_g1(bytes(valid))


@pytest.mark.parametrize("first_byte", [0x00, 0x80, 0x40, 0xC0])
def test_decompress_refuses_every_infinity_encoding(first_byte: int) -> None:
    with pytest.raises(bn254.PointFormatError):
        bn254.decompress_g1(bytes([first_byte]) + bytes(31))


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_decompress_refuses_other_lengths(size: int) -> None:
    with pytest.raises(bn254.PointFormatError, match="32 bytes"):
        bn254.decompress_g1(b"\x01" * size)


@settings(max_examples=5, deadline=None)
@given(st.one_of(scalars, st.sampled_from([1, 2, bn254.R - 1])))
def test_g2_generator_mul_matches_reference_with_real_part_first(k: int) -> None:
    x, y = optimized.normalize(optimized.multiply(optimized.G2, k))
    assert bn254.g2_generator_mul(k) == G2Point(
        x0=int(x.coeffs[0]), x1=int(x.coeffs[1]), y0=int(y.coeffs[0]), y1=int(y.coeffs[1])
    )


def test_g2_generator_is_the_eip197_generator() -> None:
    # EIP-197 writes the generator as x = x1·i + x0; x0 is the real part.
    assert bn254.g2_generator_mul(1) == G2Point(
        x0=0x1800DEEF121F1E76426A00665E5C4479674322D4F75EDADD46DEBD5CD992F6ED,
        x1=0x198E9393920D483A7260BFB731FB5D25F1AA493335A9E71297E485B7AEF312C2,
        y0=0x12C85EA5DB8C6DEB4AAB71808DCB408FE3D1E7690C43D37B4CE6CC0166FA7DAA,
        y1=0x090689D0585FF075EC9E99AD690C3395BC4B313370B38EF355ACDADCD122975B,
    )
