"""BN254 (alt_bn128) arithmetic for BLS public keys and registration data.

G1 and G2 arithmetic is plain Python integers in Jacobian coordinates, with one modular inversion per
result. Multiples of either generator use a fixed-base table (built once per process on first use, in
memory): one mixed addition per non-zero byte of the scalar and no doublings, which is what makes
deriving and registering thousands of keys fast.

G2 lives on the sextic twist y^2 = x^3 + 3/(9 + i) over F_P^2 = F_P[i]/(i^2 + 1); an element c0 + c1·i
is the pair (c0, c1), real part first, as the contracts take G2 coordinates.

The point at infinity of G1 is written `(0, 0)`, as the EVM precompiles write it; it is not on the curve
and has no compressed form here (a public key is never the identity).
"""

from __future__ import annotations

import functools
from typing import TypeAlias

from butler.domain.onchain import G1Point, G2Point

P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47
"""The base field modulus."""
R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001
"""The order of G1 and G2 (and the range of BLS secret keys)."""
B = 3
"""G1 is y^2 = x^3 + B over F_P. Its cofactor is 1: every point on the curve is in G1."""

G1 = G1Point(1, 2)
INFINITY = G1Point(0, 0)
G2_INFINITY = G2Point(0, 0, 0, 0)
G2 = G2Point(
    x0=0x1800DEEF121F1E76426A00665E5C4479674322D4F75EDADD46DEBD5CD992F6ED,
    x1=0x198E9393920D483A7260BFB731FB5D25F1AA493335A9E71297E485B7AEF312C2,
    y0=0x12C85EA5DB8C6DEB4AAB71808DCB408FE3D1E7690C43D37B4CE6CC0166FA7DAA,
    y1=0x090689D0585FF075EC9E99AD690C3395BC4B313370B38EF355ACDADCD122975B,
)
"""The G2 generator of EIP-197 (the one the pairing precompile and the GSE use)."""

COMPRESSED_SIZE = 32
_Y_ODD_FLAG = 0x80
_FLAG_MASK = 0xC0
"""The two bits above the largest x (P < 2^254). Only 0x80 carries meaning; 0x40 is refused."""

_WINDOW_BITS = 8
_WINDOWS = (R.bit_length() + _WINDOW_BITS - 1) // _WINDOW_BITS

_Affine: TypeAlias = tuple[int, int]
_Jacobian: TypeAlias = tuple[int, int, int]
"""(X, Y, Z) stands for (X/Z^2, Y/Z^3); Z == 0 is the point at infinity."""

_J_INFINITY: _Jacobian = (1, 1, 0)

_F2: TypeAlias = tuple[int, int]
"""c0 + c1·i in F_P^2, both parts reduced."""
_Jacobian2: TypeAlias = tuple[_F2, _F2, _F2]
"""A G2 point in Jacobian coordinates; Z == 0 is the point at infinity."""
_Affine2: TypeAlias = tuple[_F2, _F2]

_F2_ZERO: _F2 = (0, 0)
_F2_ONE: _F2 = (1, 0)
_J2_INFINITY: _Jacobian2 = (_F2_ONE, _F2_ONE, _F2_ZERO)


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
    for window, digit in enumerate(k.to_bytes(_WINDOWS, "little")):
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
    y = _sqrt(x * x * x + B)
    if y is None:
        raise PointFormatError("x is not the coordinate of a point on BN254 G1")
    if (y & 1) != bool(flags & _Y_ODD_FLAG):
        y = P - y
    return G1Point(x, y)


def is_on_curve_g2(point: G2Point) -> bool:
    """True iff `point` is an affine point of the twist with reduced coordinates (the identity is not).

    Being on the twist is not being in G2 (the twist's cofactor is not 1); multiples of the generator are.
    """
    coords = (point.x0, point.x1, point.y0, point.y1)
    if not all(0 <= c < P for c in coords):
        return False
    x, y = (point.x0, point.x1), (point.y0, point.y1)
    lhs = _f2_sqr(y)
    rhs = _f2_add(_f2_mul(_f2_sqr(x), x), _B2)
    return lhs == rhs


def g2_generator_mul(k: int) -> G2Point:
    """k·G2 from the fixed-base table, with x0/y0 the real and x1/y1 the imaginary parts."""
    k %= R
    if k == 0:
        return G2_INFINITY
    table = _g2_generator_table()
    acc = _J2_INFINITY
    for window, digit in enumerate(k.to_bytes(_WINDOWS, "little")):
        if digit:
            acc = _j2add_affine(acc, table[window][digit - 1])
    return _to_g2point(acc)


def precompute_g2_generator_table() -> None:
    """Build the G2 fixed-base table now rather than on the first `g2_generator_mul` call."""
    _g2_generator_table()


def _require_g1(point: G1Point) -> None:
    if point != INFINITY and not is_on_curve_g1(point):
        raise PointFormatError("not a point on BN254 G1")


def _sqrt(value: int) -> int | None:
    # P ≡ 3 (mod 4), so a square root, if any, is value^((P+1)/4).
    value %= P
    root = pow(value, (P + 1) // 4, P)
    return root if root * root % P == value else None


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
    digits = (1 << _WINDOW_BITS) - 1
    jacobian: list[_Jacobian] = []
    base: _Affine = (G1.x, G1.y)
    for _ in range(_WINDOWS):
        multiple: _Jacobian = (base[0], base[1], 1)
        jacobian.append(multiple)
        for _ in range(digits - 1):
            multiple = _jadd_affine(multiple, *base)
            jacobian.append(multiple)
        # 256·base = 255·base + base; normalising it alone costs one inversion per window.
        next_base = _to_affine(_jadd_affine(multiple, *base))
        base = (next_base.x, next_base.y)
    affine = _batch_to_affine(jacobian)
    return tuple(tuple(affine[w * digits : (w + 1) * digits]) for w in range(_WINDOWS))


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


# --- F_P^2 and the twist -------------------------------------------------------------------------
# Products are reduced once per component: two 254-bit products summed cost far less than a reduction.


def _f2_add(a: _F2, b: _F2) -> _F2:
    return (a[0] + b[0]) % P, (a[1] + b[1]) % P


def _f2_sub(a: _F2, b: _F2) -> _F2:
    return (a[0] - b[0]) % P, (a[1] - b[1]) % P


def _f2_mul(a: _F2, b: _F2) -> _F2:
    a0, a1 = a
    b0, b1 = b
    return (a0 * b0 - a1 * b1) % P, (a0 * b1 + a1 * b0) % P


def _f2_sqr(a: _F2) -> _F2:
    a0, a1 = a
    return (a0 + a1) * (a0 - a1) % P, 2 * a0 * a1 % P


def _f2_inv(a: _F2) -> _F2:
    # 1/(a0 + a1·i) = (a0 - a1·i) / (a0^2 + a1^2)
    a0, a1 = a
    n = pow(a0 * a0 + a1 * a1, -1, P)
    return a0 * n % P, -a1 * n % P


_B2: _F2 = _f2_mul((B, 0), _f2_inv((9, 1)))
"""The twist's constant 3/(9 + i)."""


def _j2double(point: _Jacobian2) -> _Jacobian2:
    # dbl-2009-l for a = 0. The twist's order is odd, so no finite point has y = 0.
    x, y, z = point
    if z == _F2_ZERO:
        return point
    a = _f2_sqr(x)
    b = _f2_sqr(y)
    c = _f2_sqr(b)
    xb = _f2_sqr(_f2_add(x, b))
    d = ((xb[0] - a[0] - c[0]) * 2 % P, (xb[1] - a[1] - c[1]) * 2 % P)
    e = (3 * a[0] % P, 3 * a[1] % P)
    f = _f2_sqr(e)
    x3 = ((f[0] - 2 * d[0]) % P, (f[1] - 2 * d[1]) % P)
    ed = _f2_mul(e, _f2_sub(d, x3))
    y3 = ((ed[0] - 8 * c[0]) % P, (ed[1] - 8 * c[1]) % P)
    yz = _f2_mul(y, z)
    return x3, y3, (2 * yz[0] % P, 2 * yz[1] % P)


def _j2add_affine(point: _Jacobian2, other: _Affine2) -> _Jacobian2:
    # The same formulas as `_jadd_affine`, over F_P^2; `other` is a finite affine point.
    x1, y1, z1 = point
    x2, y2 = other
    if z1 == _F2_ZERO:
        return x2, y2, _F2_ONE
    z1z1 = _f2_sqr(z1)
    u2 = _f2_mul(x2, z1z1)
    s2 = _f2_mul(y2, _f2_mul(z1, z1z1))
    if u2 == x1:
        return _j2double(point) if s2 == y1 else _J2_INFINITY
    h = _f2_sub(u2, x1)
    r = _f2_sub(s2, y1)
    hh = _f2_sqr(h)
    hhh = _f2_mul(h, hh)
    v = _f2_mul(x1, hh)
    rr = _f2_sqr(r)
    x3 = ((rr[0] - hhh[0] - 2 * v[0]) % P, (rr[1] - hhh[1] - 2 * v[1]) % P)
    y3 = _f2_sub(_f2_mul(r, _f2_sub(v, x3)), _f2_mul(y1, hhh))
    return x3, y3, _f2_mul(z1, h)


def _to_g2point(point: _Jacobian2) -> G2Point:
    x, y, z = point
    if z == _F2_ZERO:
        return G2_INFINITY
    z_inv = _f2_inv(z)
    z_inv2 = _f2_sqr(z_inv)
    (x0, x1), (y0, y1) = _f2_mul(x, z_inv2), _f2_mul(y, _f2_mul(z_inv2, z_inv))
    return G2Point(x0=x0, x1=x1, y0=y0, y1=y1)


@functools.cache
def _g2_generator_table() -> tuple[tuple[_Affine2, ...], ...]:
    """table[w][d - 1] = d·2^(8w)·G2 for every byte position w and digit d in 1..255, affine."""
    digits = (1 << _WINDOW_BITS) - 1
    jacobian: list[_Jacobian2] = []
    base: _Affine2 = ((G2.x0, G2.x1), (G2.y0, G2.y1))
    for _ in range(_WINDOWS):
        multiple: _Jacobian2 = (base[0], base[1], _F2_ONE)
        jacobian.append(multiple)
        for _ in range(digits - 1):
            multiple = _j2add_affine(multiple, base)
            jacobian.append(multiple)
        next_base = _to_g2point(_j2add_affine(multiple, base))
        base = ((next_base.x0, next_base.x1), (next_base.y0, next_base.y1))
    affine = _batch_to_affine2(jacobian)
    return tuple(tuple(affine[w * digits : (w + 1) * digits]) for w in range(_WINDOWS))


def _batch_to_affine2(points: list[_Jacobian2]) -> list[_Affine2]:
    """`_batch_to_affine` over F_P^2: many finite points, one inversion."""
    prefix = [_F2_ONE] * (len(points) + 1)
    for i, (_, _, z) in enumerate(points):
        prefix[i + 1] = _f2_mul(prefix[i], z)
    inverse = _f2_inv(prefix[-1])
    result: list[_Affine2] = [(_F2_ZERO, _F2_ZERO)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        z_inv = _f2_mul(inverse, prefix[i])
        inverse = _f2_mul(inverse, z)
        z_inv2 = _f2_sqr(z_inv)
        result[i] = (_f2_mul(x, z_inv2), _f2_mul(y, _f2_mul(z_inv2, z_inv)))
    return result
