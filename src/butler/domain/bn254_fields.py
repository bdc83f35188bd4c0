"""The fields of BN254: F_P, where coordinates live, the scalars below R, and F_P^2 = F_P[i]/(i^2 + 1),
where the G2 twist's coordinates live. An element c0 + c1·i of F_P^2 is the pair (c0, c1), real part
first, as the contracts take G2 coordinates."""

from __future__ import annotations

from typing import TypeAlias

P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47
"""The base field modulus."""
R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001
"""The order of G1 and G2 (and the range of BLS secret keys)."""
B = 3
"""G1 is y^2 = x^3 + B over F_P. Its cofactor is 1: every point on the curve is in G1."""

WINDOW_BITS = 8
"""Fixed-base multiplication takes a scalar one byte (window) at a time."""
WINDOWS = (R.bit_length() + WINDOW_BITS - 1) // WINDOW_BITS

F2: TypeAlias = tuple[int, int]
"""c0 + c1·i in F_P^2, both parts reduced."""
F2_ZERO: F2 = (0, 0)
F2_ONE: F2 = (1, 0)


def sqrt(value: int) -> int | None:
    """A square root of `value` in F_P, or None when it has none."""
    # P ≡ 3 (mod 4), so a square root, if any, is value^((P+1)/4).
    value %= P
    root = pow(value, (P + 1) // 4, P)
    return root if root * root % P == value else None


# Products are reduced once per component: two 254-bit products summed cost far less than a reduction.


def f2_add(a: F2, b: F2) -> F2:
    return (a[0] + b[0]) % P, (a[1] + b[1]) % P


def f2_sub(a: F2, b: F2) -> F2:
    return (a[0] - b[0]) % P, (a[1] - b[1]) % P


def f2_mul(a: F2, b: F2) -> F2:
    a0, a1 = a
    b0, b1 = b
    return (a0 * b0 - a1 * b1) % P, (a0 * b1 + a1 * b0) % P


def f2_sqr(a: F2) -> F2:
    a0, a1 = a
    return (a0 + a1) * (a0 - a1) % P, 2 * a0 * a1 % P


def f2_inv(a: F2) -> F2:
    # 1/(a0 + a1·i) = (a0 - a1·i) / (a0^2 + a1^2)
    a0, a1 = a
    n = pow(a0 * a0 + a1 * a1, -1, P)
    return a0 * n % P, -a1 * n % P
