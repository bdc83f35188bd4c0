"""BN254 G2: the sextic twist y^2 = x^3 + 3/(9 + i) over F_P^2, in Jacobian coordinates, and multiples of
its generator from a fixed-base table (built once per process on first use, in memory)."""

from __future__ import annotations

import functools
from typing import TypeAlias

from butler.domain.bn254_fields import (
    F2,
    F2_ONE,
    F2_ZERO,
    WINDOW_BITS,
    WINDOWS,
    B,
    P,
    R,
    f2_add,
    f2_inv,
    f2_mul,
    f2_sqr,
    f2_sub,
)
from butler.domain.onchain import G2Point

G2_INFINITY = G2Point(0, 0, 0, 0)
G2 = G2Point(
    x0=0x1800DEEF121F1E76426A00665E5C4479674322D4F75EDADD46DEBD5CD992F6ED,
    x1=0x198E9393920D483A7260BFB731FB5D25F1AA493335A9E71297E485B7AEF312C2,
    y0=0x12C85EA5DB8C6DEB4AAB71808DCB408FE3D1E7690C43D37B4CE6CC0166FA7DAA,
    y1=0x090689D0585FF075EC9E99AD690C3395BC4B313370B38EF355ACDADCD122975B,
)
"""The G2 generator of EIP-197 (the one the pairing precompile and the GSE use)."""


_Jacobian2: TypeAlias = tuple[F2, F2, F2]
"""A G2 point in Jacobian coordinates; Z == 0 is the point at infinity."""
_Affine2: TypeAlias = tuple[F2, F2]

_J2_INFINITY: _Jacobian2 = (F2_ONE, F2_ONE, F2_ZERO)

_B2: F2 = f2_mul((B, 0), f2_inv((9, 1)))
"""The twist's constant 3/(9 + i)."""


def is_on_curve_g2(point: G2Point) -> bool:
    """True iff `point` is an affine point of the twist with reduced coordinates (the identity is not).

    Being on the twist is not being in G2 (the twist's cofactor is not 1); multiples of the generator are.
    """
    coords = (point.x0, point.x1, point.y0, point.y1)
    if not all(0 <= c < P for c in coords):
        return False
    x, y = (point.x0, point.x1), (point.y0, point.y1)
    lhs = f2_sqr(y)
    rhs = f2_add(f2_mul(f2_sqr(x), x), _B2)
    return lhs == rhs


def g2_generator_mul(k: int) -> G2Point:
    """k·G2 from the fixed-base table, with x0/y0 the real and x1/y1 the imaginary parts."""
    k %= R
    if k == 0:
        return G2_INFINITY
    table = _g2_generator_table()
    acc = _J2_INFINITY
    for window, digit in enumerate(k.to_bytes(WINDOWS, "little")):
        if digit:
            acc = _j2add_affine(acc, table[window][digit - 1])
    return _to_g2point(acc)


def precompute_g2_generator_table() -> None:
    """Build the G2 fixed-base table now rather than on the first `g2_generator_mul` call."""
    _g2_generator_table()


def _j2double(point: _Jacobian2) -> _Jacobian2:
    # dbl-2009-l for a = 0. The twist's order is odd, so no finite point has y = 0.
    x, y, z = point
    if z == F2_ZERO:
        return point
    a = f2_sqr(x)
    b = f2_sqr(y)
    c = f2_sqr(b)
    xb = f2_sqr(f2_add(x, b))
    d = ((xb[0] - a[0] - c[0]) * 2 % P, (xb[1] - a[1] - c[1]) * 2 % P)
    e = (3 * a[0] % P, 3 * a[1] % P)
    f = f2_sqr(e)
    x3 = ((f[0] - 2 * d[0]) % P, (f[1] - 2 * d[1]) % P)
    ed = f2_mul(e, f2_sub(d, x3))
    y3 = ((ed[0] - 8 * c[0]) % P, (ed[1] - 8 * c[1]) % P)
    yz = f2_mul(y, z)
    return x3, y3, (2 * yz[0] % P, 2 * yz[1] % P)


def _j2add_affine(point: _Jacobian2, other: _Affine2) -> _Jacobian2:
    # The same formulas as `bn254._jadd_affine`, over F_P^2; `other` is a finite affine point.
    x1, y1, z1 = point
    x2, y2 = other
    if z1 == F2_ZERO:
        return x2, y2, F2_ONE
    z1z1 = f2_sqr(z1)
    u2 = f2_mul(x2, z1z1)
    s2 = f2_mul(y2, f2_mul(z1, z1z1))
    if u2 == x1:
        return _j2double(point) if s2 == y1 else _J2_INFINITY
    h = f2_sub(u2, x1)
    r = f2_sub(s2, y1)
    hh = f2_sqr(h)
    hhh = f2_mul(h, hh)
    v = f2_mul(x1, hh)
    rr = f2_sqr(r)
    x3 = ((rr[0] - hhh[0] - 2 * v[0]) % P, (rr[1] - hhh[1] - 2 * v[1]) % P)
    y3 = f2_sub(f2_mul(r, f2_sub(v, x3)), f2_mul(y1, hhh))
    return x3, y3, f2_mul(z1, h)


def _to_g2point(point: _Jacobian2) -> G2Point:
    x, y, z = point
    if z == F2_ZERO:
        return G2_INFINITY
    z_inv = f2_inv(z)
    z_inv2 = f2_sqr(z_inv)
    (x0, x1), (y0, y1) = f2_mul(x, z_inv2), f2_mul(y, f2_mul(z_inv2, z_inv))
    return G2Point(x0=x0, x1=x1, y0=y0, y1=y1)


@functools.cache
def _g2_generator_table() -> tuple[tuple[_Affine2, ...], ...]:
    """table[w][d - 1] = d·2^(8w)·G2 for every byte position w and digit d in 1..255, affine."""
    digits = (1 << WINDOW_BITS) - 1
    jacobian: list[_Jacobian2] = []
    base: _Affine2 = ((G2.x0, G2.x1), (G2.y0, G2.y1))
    for _ in range(WINDOWS):
        multiple: _Jacobian2 = (base[0], base[1], F2_ONE)
        jacobian.append(multiple)
        for _ in range(digits - 1):
            multiple = _j2add_affine(multiple, base)
            jacobian.append(multiple)
        next_base = _to_g2point(_j2add_affine(multiple, base))
        base = ((next_base.x0, next_base.x1), (next_base.y0, next_base.y1))
    affine = _batch_to_affine2(jacobian)
    return tuple(tuple(affine[w * digits : (w + 1) * digits]) for w in range(WINDOWS))


def _batch_to_affine2(points: list[_Jacobian2]) -> list[_Affine2]:
    """`_batch_to_affine` over F_P^2: many finite points, one inversion."""
    prefix = [F2_ONE] * (len(points) + 1)
    for i, (_, _, z) in enumerate(points):
        prefix[i + 1] = f2_mul(prefix[i], z)
    inverse = f2_inv(prefix[-1])
    result: list[_Affine2] = [(F2_ZERO, F2_ZERO)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        z_inv = f2_mul(inverse, prefix[i])
        inverse = f2_mul(inverse, z)
        z_inv2 = f2_sqr(z_inv)
        result[i] = (f2_mul(x, z_inv2), f2_mul(y, f2_mul(z_inv2, z_inv)))
    return result
