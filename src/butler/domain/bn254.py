"""BN254 (alt_bn128) arithmetic for BLS public keys and registration data: the one module callers import.

G1 lives here; the fields are in `bn254_fields` and G2 (the sextic twist over F_P^2) in `bn254_g2`, whose
public names this module gives too. Both groups are plain Python integers in Jacobian coordinates, with
one modular inversion per result. Multiples of either generator use a fixed-base table (built once per
process on first use, in memory): one mixed addition per non-zero byte of the scalar and no doublings,
which is what makes deriving and registering thousands of keys fast.

The point at infinity of G1 is written `(0, 0)`, as the EVM precompiles write it; it is not on the curve
and has no compressed form here (a public key is never the identity).
"""

from __future__ import annotations

import functools
from typing import TypeAlias

from butler.domain.bn254_fields import WINDOW_BITS, WINDOWS, B, P, R, sqrt
from butler.domain.bn254_g2 import (
    G2,
    G2_INFINITY,
    g2_generator_mul,
    is_on_curve_g2,
    precompute_g2_generator_table,
)
from butler.domain.onchain import G1Point

__all__ = [
    "COMPRESSED_SIZE",
    "G1",
    "G2",
    "G2_INFINITY",
    "INFINITY",
    "B",
    "P",
    "PointFormatError",
    "R",
    "compress_g1",
    "decompress_g1",
    "g1_add",
    "g1_generator_mul",
    "g1_mul",
    "g1_neg",
    "g2_generator_mul",
    "is_on_curve_g1",
    "is_on_curve_g2",
    "precompute_g2_generator_table",
    "precompute_generator_table",
]

G1 = G1Point(1, 2)
INFINITY = G1Point(0, 0)
COMPRESSED_SIZE = 32
_Y_ODD_FLAG = 0x80
_FLAG_MASK = 0xC0
"""The two bits above the largest x (P < 2^254). Only 0x80 carries meaning; 0x40 is refused."""

_Affine: TypeAlias = tuple[int, int]
_Jacobian: TypeAlias = tuple[int, int, int]
"""(X, Y, Z) stands for (X/Z^2, Y/Z^3); Z == 0 is the point at infinity."""

_J_INFINITY: _Jacobian = (1, 1, 0)


class PointFormatError(ValueError):
    """Bytes or coordinates that are not a valid G1 point. The message says why."""


def is_on_curve_g1(point: G1Point) -> bool:
    """True iff `point` is an affine point of G1 with reduced coordinates (the identity is not)."""
    x, y = point.x, point.y
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - x * x * x - B) % P == 0


def g1_add(a: G1Point, b: G1Point) -> G1Point:
    _require_g1(a)
    _require_g1(b)
    return _to_affine(_jadd_affine(_to_jacobian(a), b.x, b.y) if b != INFINITY else _to_jacobian(a))


def g1_neg(point: G1Point) -> G1Point:
    _require_g1(point)
    return point if point == INFINITY else G1Point(point.x, (P - point.y) % P)


def g1_mul(point: G1Point, k: int) -> G1Point:
    """k·point for any G1 point (left-to-right double-and-add; not constant time)."""
    _require_g1(point)
    k %= R
    if k == 0 or point == INFINITY:
        return INFINITY
    px, py = point.x, point.y
    acc: _Jacobian = (px, py, 1)
    for bit in bin(k)[3:]:
        acc = _jdouble(acc)
        if bit == "1":
            acc = _jadd_affine(acc, px, py)
    return _to_affine(acc)


def g1_generator_mul(k: int) -> G1Point:
    """k·G1 from the fixed-base table: one mixed addition per non-zero byte of k, no doublings."""
    k %= R
    if k == 0:
        return INFINITY
    table = _generator_table()
    acc = _J_INFINITY
    for window, digit in enumerate(k.to_bytes(WINDOWS, "little")):
        if digit:
            x, y = table[window][digit - 1]
            acc = _jadd_affine(acc, x, y)
    return _to_affine(acc)


def precompute_generator_table() -> None:
    """Build the fixed-base table now rather than on the first `g1_generator_mul` call."""
    _generator_table()


def compress_g1(point: G1Point) -> bytes:
    """x as 32 bytes big-endian, with 0x80 of the first byte set iff y is odd."""
    if point == INFINITY:
        raise PointFormatError("the point at infinity has no compressed form")
    if not is_on_curve_g1(point):
        raise PointFormatError("not a point on BN254 G1")
    flags = _Y_ODD_FLAG if point.y & 1 else 0
    encoded = bytearray(point.x.to_bytes(COMPRESSED_SIZE, "big"))
    encoded[0] |= flags
    return bytes(encoded)


def decompress_g1(data: bytes) -> G1Point:
    """The inverse of `compress_g1`; refuses anything it would not produce."""
    if len(data) != COMPRESSED_SIZE:
        raise PointFormatError(f"a compressed point has {COMPRESSED_SIZE} bytes, got {len(data)}")
    flags = data[0] & _FLAG_MASK
    if flags & ~_Y_ODD_FLAG:
        raise PointFormatError("unsupported flag bits (only 0x80, y odd, may be set)")
    x = int.from_bytes(data, "big") & ~(_FLAG_MASK << (8 * (COMPRESSED_SIZE - 1)))
    if x == 0:
        raise PointFormatError("the point at infinity is not accepted")
    if x >= P:
        raise PointFormatError("x is not below the field modulus")
    y = sqrt(x * x * x + B)
    if y is None:
        raise PointFormatError("x is not the coordinate of a point on BN254 G1")
    if (y & 1) != bool(flags & _Y_ODD_FLAG):
        y = P - y
    return G1Point(x, y)


def _require_g1(point: G1Point) -> None:
    if point != INFINITY and not is_on_curve_g1(point):
        raise PointFormatError("not a point on BN254 G1")


def _to_jacobian(point: G1Point) -> _Jacobian:
    return _J_INFINITY if point == INFINITY else (point.x, point.y, 1)


def _to_affine(point: _Jacobian) -> G1Point:
    x, y, z = point
    if z == 0:
        return INFINITY
    z_inv = pow(z, -1, P)
    z_inv2 = z_inv * z_inv % P
    return G1Point(x * z_inv2 % P, y * z_inv2 * z_inv % P)


def _jdouble(point: _Jacobian) -> _Jacobian:
    # dbl-2009-l for a = 0. G1 has odd order, so no finite point has y = 0.
    x, y, z = point
    if z == 0:
        return point
    a = x * x % P
    b = y * y % P
    c = b * b % P
    d = 2 * ((x + b) * (x + b) - a - c) % P
    e = 3 * a
    f = e * e % P
    x3 = (f - 2 * d) % P
    y3 = (e * (d - x3) - 8 * c) % P
    z3 = 2 * y * z % P
    return x3, y3, z3


def _jadd_affine(point: _Jacobian, x2: int, y2: int) -> _Jacobian:
    # madd-2007-bl without the doubled intermediate values; (x2, y2) is a finite affine point.
    x1, y1, z1 = point
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % P
    u2 = x2 * z1z1 % P
    s2 = y2 * z1 * z1z1 % P
    if u2 == x1:
        return _jdouble(point) if s2 == y1 else _J_INFINITY
    h = u2 - x1
    r = s2 - y1
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    z3 = z1 * h % P
    return x3, y3, z3


@functools.cache
def _generator_table() -> tuple[tuple[_Affine, ...], ...]:
    """table[w][d - 1] = d·2^(8w)·G1 for every byte position w and digit d in 1..255, affine."""
    digits = (1 << WINDOW_BITS) - 1
    jacobian: list[_Jacobian] = []
    base: _Affine = (G1.x, G1.y)
    for _ in range(WINDOWS):
        multiple: _Jacobian = (base[0], base[1], 1)
        jacobian.append(multiple)
        for _ in range(digits - 1):
            multiple = _jadd_affine(multiple, *base)
            jacobian.append(multiple)
        # 256·base = 255·base + base; normalising it alone costs one inversion per window.
        next_base = _to_affine(_jadd_affine(multiple, *base))
        base = (next_base.x, next_base.y)
    affine = _batch_to_affine(jacobian)
    return tuple(tuple(affine[w * digits : (w + 1) * digits]) for w in range(WINDOWS))


def _batch_to_affine(points: list[_Jacobian]) -> list[_Affine]:
    """Normalise many finite points with a single inversion (Montgomery's trick)."""
    prefix = [1] * (len(points) + 1)
    for i, (_, _, z) in enumerate(points):
        prefix[i + 1] = prefix[i] * z % P
    inverse = pow(prefix[-1], -1, P)
    result: list[_Affine] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        z_inv = inverse * prefix[i] % P
        inverse = inverse * z % P
        z_inv2 = z_inv * z_inv % P
        result[i] = (x * z_inv2 % P, y * z_inv2 * z_inv % P)
    return result
