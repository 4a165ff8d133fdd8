"""GOST 34.10-2012/2015 elliptic-curve signatures: the curves and fast arithmetic on Python ints.

gostcrypto (the reference, used in the tests) works in affine coordinates with a modular
inverse per step: ~0.5 s for one 512-bit verification here. This module works in Jacobian
coordinates (no inverse until the end), multiplies the base point with a precomputed
fixed-window table (only additions) and the public key with a width-5 NAF, so one 512-bit
verification costs about 512 doublings and ~230 additions.

Numbers here are plain integers; byte orders (NCA's little-endian halves, RFC 4491's) are the
caller's business (``docflow.gost._oids``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property

from gostcrypto.gostsignature import gost_34_10_2012 as _ref

#: Jacobian point (X, Y, Z); Z == 0 is the point at infinity.
_Jacobian = tuple[int, int, int]
_Affine = tuple[int, int]
_INFINITY: _Jacobian = (1, 1, 0)
_WINDOW = 4


@dataclass(frozen=True, eq=False)
class Curve:
    """A short Weierstrass curve y² = x³ + ax + b over GF(p) with base point (x, y) of order q."""

    name: str
    p: int
    a: int
    b: int
    q: int
    x: int
    y: int
    size: int  # bytes of a coordinate or a scalar: 32 or 64
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    # ---------------------------------------------------------------- Jacobian arithmetic

    def _double(self, pt: _Jacobian) -> _Jacobian:
        x1, y1, z1 = pt
        if z1 == 0 or y1 == 0:
            return _INFINITY
        p = self.p
        yy = y1 * y1 % p
        zz = z1 * z1 % p
        s = 4 * x1 * yy % p
        if self._a_is_minus_3:
            m = 3 * (x1 - zz) * (x1 + zz) % p
        else:
            m = (3 * x1 * x1 + self.a * zz * zz) % p
        x3 = (m * m - 2 * s) % p
        y3 = (m * (s - x3) - 8 * yy * yy) % p
        z3 = 2 * y1 * z1 % p
        return x3, y3, z3

    def _add_affine(self, pt: _Jacobian, other: _Affine) -> _Jacobian:
        """pt + other, with other in affine coordinates (a "mixed" addition)."""
        x1, y1, z1 = pt
        x2, y2 = other
        if z1 == 0:
            return x2, y2, 1
        p = self.p
        z1z1 = z1 * z1 % p
        u2 = x2 * z1z1 % p
        s2 = y2 * z1 * z1z1 % p
        h = (u2 - x1) % p
        r = (s2 - y1) % p
        if h == 0:
            return self._double(pt) if r == 0 else _INFINITY
        hh = h * h % p
        hhh = h * hh % p
        v = x1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        y3 = (r * (v - x3) - y1 * hhh) % p
        z3 = z1 * h % p
        return x3, y3, z3

    def _add(self, pt: _Jacobian, other: _Jacobian) -> _Jacobian:
        x2, y2, z2 = other
        if z2 == 0:
            return pt
        if pt[2] == 0:
            return other
        p = self.p
        x1, y1, z1 = pt
        z1z1 = z1 * z1 % p
        z2z2 = z2 * z2 % p
        u1 = x1 * z2z2 % p
        u2 = x2 * z1z1 % p
        s1 = y1 * z2 * z2z2 % p
        s2 = y2 * z1 * z1z1 % p
        h = (u2 - u1) % p
        r = (s2 - s1) % p
        if h == 0:
            return self._double(pt) if r == 0 else _INFINITY
        hh = h * h % p
        hhh = h * hh % p
        v = u1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        y3 = (r * (v - x3) - s1 * hhh) % p
        z3 = z1 * z2 * h % p
        return x3, y3, z3

    def _to_affine(self, pt: _Jacobian) -> _Affine | None:
        x, y, z = pt
        if z == 0:
            return None
        p = self.p
        zi = pow(z, -1, p)
        zi2 = zi * zi % p
        return x * zi2 % p, y * zi2 * zi % p

    def _normalize_all(self, points: list[_Jacobian]) -> list[_Affine]:
        """Affine forms of many points with one inversion (Montgomery's trick)."""
        p = self.p
        prefix = [1]
        for _, _, z in points:
            prefix.append(prefix[-1] * z % p)
        inv = pow(prefix[-1], -1, p)
        out: list[_Affine] = [(0, 0)] * len(points)
        for i in range(len(points) - 1, -1, -1):
            x, y, z = points[i]
            zi = inv * prefix[i] % p
            inv = inv * z % p
            zi2 = zi * zi % p
            out[i] = (x * zi2 % p, y * zi2 * zi % p)
        return out

    @cached_property
    def _a_is_minus_3(self) -> bool:
        return (self.a + 3) % self.p == 0

    @cached_property
    def _base_table(self) -> list[list[_Affine]]:
        """table[i][d - 1] = d·16^i·G for d in 1..15: k·G is then one addition per 4 bits."""
        rows = (self.q.bit_length() + _WINDOW - 1) // _WINDOW
        flat: list[_Jacobian] = []
        start: _Jacobian = (self.x, self.y, 1)
        for _ in range(rows):
            acc = start
            row = [acc]
            for _ in range((1 << _WINDOW) - 2):
                acc = self._add(acc, start)
                row.append(acc)
            flat.extend(row)
            start = self._add(row[-1], start)  # 16·start
        affine = self._normalize_all(flat)
        width = (1 << _WINDOW) - 1
        return [affine[i * width : (i + 1) * width] for i in range(rows)]

    def _mul_base(self, k: int) -> _Jacobian:
        """k·G: one mixed addition per 4 bits of k from the table (written out, as below)."""
        p = self.p
        mask = (1 << _WINDOW) - 1
        x1, y1, z1 = _INFINITY
        for row in self._base_table:
            digit = k & mask
            k >>= _WINDOW
            if digit:
                x2, y2 = row[digit - 1]
                if z1 == 0:
                    x1, y1, z1 = x2, y2, 1
                else:
                    z1z1 = z1 * z1 % p
                    h = (x2 * z1z1 - x1) % p
                    r = (y2 * z1 * z1z1 - y1) % p
                    if h == 0:
                        x1, y1, z1 = self._add_affine((x1, y1, z1), (x2, y2))
                    else:
                        hh = h * h % p
                        hhh = h * hh % p
                        v = x1 * hh % p
                        x3 = (r * r - hhh - 2 * v) % p
                        y1 = (r * (v - x3) - y1 * hhh) % p
                        z1 = z1 * h % p
                        x1 = x3
            if not k:
                break
        return x1, y1, z1

    def _mul_point(self, k: int, point: _Affine) -> _Jacobian:
        """k·point by a width-5 NAF over the odd multiples 1, 3, …, 15 of point."""
        base: _Jacobian = (point[0], point[1], 1)
        twice = self._double(base)
        odd = [base]
        for _ in range(7):
            odd.append(self._add(odd[-1], twice))
        odd_affine = self._normalize_all(odd)
        p = self.p
        neg = [(x, (p - y) % p) for x, y in odd_affine]
        digits: list[int] = []
        while k:
            if k & 1:
                d = k & 31
                if d >= 16:
                    d -= 32
                k -= d
            else:
                d = 0
            digits.append(d)
            k >>= 1
        # The loop below is _double and _add_affine written out: 512 doublings are most of a
        # verification, and Python pays for every call and tuple.
        a = self.a
        a_is_minus_3 = self._a_is_minus_3
        x1, y1, z1 = _INFINITY
        for d in reversed(digits):
            if z1:
                yy = y1 * y1 % p
                zz = z1 * z1 % p
                s = 4 * x1 * yy % p
                if a_is_minus_3:
                    m = 3 * (x1 - zz) * (x1 + zz) % p
                else:
                    m = (3 * x1 * x1 + a * zz * zz) % p
                x3 = (m * m - 2 * s) % p
                z1 = 2 * y1 * z1 % p
                y1 = (m * (s - x3) - 8 * yy * yy) % p
                x1 = x3
                if y1 == 0:
                    x1, y1, z1 = _INFINITY
            if d == 0:
                continue
            x2, y2 = odd_affine[d >> 1] if d > 0 else neg[(-d) >> 1]
            if z1 == 0:
                x1, y1, z1 = x2, y2, 1
                continue
            z1z1 = z1 * z1 % p
            h = (x2 * z1z1 - x1) % p
            r = (y2 * z1 * z1z1 - y1) % p
            if h == 0:  # the same point or its negative: rare, let the general code decide
                x1, y1, z1 = self._add_affine((x1, y1, z1), (x2, y2))
                continue
            hh = h * h % p
            hhh = h * hh % p
            v = x1 * hh % p
            x3 = (r * r - hhh - 2 * v) % p
            y1 = (r * (v - x3) - y1 * hhh) % p
            z1 = z1 * h % p
            x1 = x3
        return x1, y1, z1

    # ---------------------------------------------------------------- the scheme

    def on_curve(self, point: _Affine) -> bool:
        x, y = point
        p = self.p
        return 0 <= x < p and 0 <= y < p and (y * y - x * x * x - self.a * x - self.b) % p == 0

    def verify(self, public: _Affine, e: int, r: int, s: int) -> bool:
        """GOST 34.10-2012 §6.2: is (r, s) a signature of the digest number ``e`` by ``public``?"""
        q = self.q
        if not (0 < r < q and 0 < s < q) or not self.on_curve(public):
            return False
        e %= q
        if e == 0:
            e = 1
        v = pow(e, -1, q)
        z1 = s * v % q
        z2 = (q - r) * v % q
        c = self._add(self._mul_base(z1), self._mul_point(z2, public))
        affine = self._to_affine(c)
        return affine is not None and affine[0] % q == r

    def public_key(self, private: int) -> _Affine:
        point = self._to_affine(self._mul_base(private))
        if point is None:
            raise ValueError("not a valid private key")
        return point

    def sign(self, private: int, e: int, k: int | None = None) -> tuple[int, int]:
        """GOST 34.10-2012 §6.1 (for test PKIs and the demo; ``k`` fixed only in tests)."""
        q = self.q
        e %= q
        if e == 0:
            e = 1
        while True:
            nonce = k if k is not None else int.from_bytes(os.urandom(self.size + 8)) % q
            if nonce == 0:
                continue
            point = self._to_affine(self._mul_base(nonce))
            assert point is not None
            r = point[0] % q
            s = (r * private + nonce * e) % q
            if r and s:
                return r, s
            if k is not None:
                raise ValueError("this nonce gives a zero signature half")

    def new_private_key(self) -> int:
        while True:
            d = int.from_bytes(os.urandom(self.size + 8)) % self.q
            if d:
                return d


def _from_reference(name: str, size: int) -> Curve:
    params = _ref.CURVES_R_1323565_1_024_2019[name]
    # gostcrypto turns the twisted Edwards parameter sets into Weierstrass form on load.
    ref = _ref.GOST34102012(_ref.MODE_256 if size == 32 else _ref.MODE_512, params)
    return Curve(name, ref._p, ref._a, ref._b, ref._q, ref._x, ref._y, size)


_NAMES_256 = (
    "id-tc26-gost-3410-2012-256-paramSetA",
    "id-tc26-gost-3410-2012-256-paramSetB",
    "id-tc26-gost-3410-2012-256-paramSetC",
    "id-tc26-gost-3410-2012-256-paramSetD",
)
_NAMES_512 = (
    "id-tc26-gost-3410-12-512-paramSetA",
    "id-tc26-gost-3410-12-512-paramSetB",
    "id-tc26-gost-3410-2012-512-paramSetC",
)
_CURVES: dict[str, Curve] = {}


def curve(name: str) -> Curve:
    """One of R 1323565.1.024-2019's curves by gostcrypto's name, built once."""
    found = _CURVES.get(name)
    if found is None:
        if name in _NAMES_256:
            found = _from_reference(name, 32)
        elif name in _NAMES_512:
            found = _from_reference(name, 64)
        else:
            raise KeyError(name)
        _CURVES[name] = found
    return found
