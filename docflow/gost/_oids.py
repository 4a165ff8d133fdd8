"""The GOST algorithm identifiers (Kazakh NCA RK and Russian tc26), taught to asn1crypto, and
the byte conventions of each family.

NCA RK (1.2.398.3.10.…) writes the public key as x‖y and the signature as r‖s, each half
little-endian, and reads the digest as a little-endian number (``../shared/kz-pki/README.md``
says how a real NCA signature was checked). tc26 / RFC 4491 keys are x‖y little-endian too,
but their signature is s‖r big-endian (RFC 4491 §2.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from asn1crypto import algos, core, keys

#: asn1crypto names (prefixed so they never collide with its own) by OID.
SIGNATURE_OIDS = {
    "1.2.398.3.10.1.1.2.3.1": "kz_gost2015_256",
    "1.2.398.3.10.1.1.2.3.2": "kz_gost2015_512",
    "1.2.398.3.10.1.1.1.2": "kz_gost2004",
    "1.2.643.7.1.1.3.2": "tc26_gost2012_256",
    "1.2.643.7.1.1.3.3": "tc26_gost2012_512",
}
DIGEST_OIDS = {
    "1.2.398.3.10.1.3.2": "kz_streebog256",
    "1.2.398.3.10.1.3.3": "kz_streebog512",
    "1.2.643.7.1.1.2.2": "streebog256",
    "1.2.643.7.1.1.2.3": "streebog512",
}
PUBLIC_KEY_OIDS = {
    "1.2.398.3.10.1.1.2.2": "kz_gost2015",
    "1.2.398.3.10.1.1.1.1": "kz_gost2004_key",
    "1.2.643.7.1.1.1.1": "tc26_gost2012_256_key",
    "1.2.643.7.1.1.1.2": "tc26_gost2012_512_key",
}
#: Digest name -> (size in bytes).
STREEBOG_SIZES = {"kz_streebog256": 32, "kz_streebog512": 64, "streebog256": 32, "streebog512": 64}

#: Curve parameter-set OIDs (key parameters) -> gostcrypto's curve name.
CURVE_OIDS = {
    # NCA RK's own identifier of the 512-bit curve: tc26 paramSetA (checked on real NCA data).
    "1.2.398.3.10.1.1.2.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
    "1.2.643.7.1.2.1.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.643.7.1.2.1.1.2": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.7.1.2.1.1.3": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.7.1.2.1.1.4": "id-tc26-gost-3410-2012-256-paramSetD",
    # CryptoPro sets, the same curves under older names.
    "1.2.643.2.2.35.1": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.35.2": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.2.2.35.3": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.2.2.36.0": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.36.1": "id-tc26-gost-3410-2012-256-paramSetD",
}
#: What ``verify --json`` calls each signature algorithm.
SIGNATURE_NAMES = {
    "kz_gost2015_256": "GOST 34.10-2015 256 / Streebog-256",
    "kz_gost2015_512": "GOST 34.10-2015 512 / Streebog-512",
    "kz_gost2004": "GOST 34.310-2004 / GOST 34.311-95",
    "tc26_gost2012_256": "GOST R 34.10-2012 256 / Streebog-256",
    "tc26_gost2012_512": "GOST R 34.10-2012 512 / Streebog-512",
}
#: Signature algorithms known by name but not implemented anywhere in Python.
UNSUPPORTED = frozenset({"kz_gost2004"})

Family = Literal["kz", "tc26"]


@dataclass(frozen=True)
class GostAlgorithm:
    """How to check one GOST signature algorithm: its key size, digest and byte conventions."""

    name: str
    size: int  # 32 or 64
    family: Family

    @property
    def digest_size(self) -> int:
        return self.size


_ALGORITHMS = {
    "kz_gost2015_256": GostAlgorithm("kz_gost2015_256", 32, "kz"),
    "kz_gost2015_512": GostAlgorithm("kz_gost2015_512", 64, "kz"),
    "tc26_gost2012_256": GostAlgorithm("tc26_gost2012_256", 32, "tc26"),
    "tc26_gost2012_512": GostAlgorithm("tc26_gost2012_512", 64, "tc26"),
}


def gost_algorithm(signature_algorithm: algos.SignedDigestAlgorithm) -> GostAlgorithm | None:
    return _ALGORITHMS.get(str(signature_algorithm["algorithm"].native))


def is_unsupported(signature_algorithm: algos.SignedDigestAlgorithm) -> bool:
    return str(signature_algorithm["algorithm"].native) in UNSUPPORTED


def _register(oid_class: Any, names: dict[str, str]) -> None:
    for oid, name in names.items():
        oid_class._map.setdefault(oid, name)
    oid_class._reverse_map = None  # rebuilt by asn1crypto on next use


_registered = False


def register() -> None:
    """Teach asn1crypto the GOST identifiers (idempotent; process-wide, names only)."""
    global _registered
    if _registered:
        return
    _register(algos.SignedDigestAlgorithmId, SIGNATURE_OIDS)
    _register(algos.DigestAlgorithmId, DIGEST_OIDS)
    _register(keys.PublicKeyAlgorithmId, PUBLIC_KEY_OIDS)
    original = keys.PublicKeyInfo._spec_callbacks["public_key"]

    def public_key_spec(self: keys.PublicKeyInfo) -> Any:
        # A GOST key is an OCTET STRING inside the BIT STRING; asn1crypto knows no spec for it.
        if self["algorithm"]["algorithm"].native in PUBLIC_KEY_OIDS.values():
            return (keys.OctetBitString, None)
        return original(self)

    keys.PublicKeyInfo._spec_callbacks = {
        **keys.PublicKeyInfo._spec_callbacks,
        "public_key": public_key_spec,
    }
    _registered = True


def public_point(public_key_info: keys.PublicKeyInfo) -> tuple[str, int, int]:
    """(curve name, x, y) of a GOST public key; ValueError when it is not one we can use."""
    params = public_key_info["algorithm"]["parameters"]
    curve_oid = None
    try:
        # SEQUENCE { curve OID, [digest OID] } (RFC 4491 and NCA RK alike); asn1crypto keeps
        # the parameters of an algorithm it has no spec for as an opaque value.
        parsed = core.Sequence.load(params.dump())
        curve_oid = core.ObjectIdentifier.load(parsed[0].dump()).dotted
    except (ValueError, TypeError, KeyError, IndexError):
        pass
    if curve_oid not in CURVE_OIDS:
        raise ValueError(f"unknown GOST curve parameters {curve_oid}")
    raw = bytes(public_key_info["public_key"])  # the BIT STRING's content
    octets = core.OctetString.load(raw).native
    half = len(octets) // 2
    if half not in (32, 64) or len(octets) != 2 * half:
        raise ValueError(f"a GOST public key has {len(octets)} bytes")
    x = int.from_bytes(octets[:half], "little")
    y = int.from_bytes(octets[half:], "little")
    return CURVE_OIDS[curve_oid], x, y


def signature_halves(algorithm: GostAlgorithm, signature: bytes) -> tuple[int, int]:
    """(r, s) from a signature value of ``algorithm``'s family."""
    n = algorithm.size
    if len(signature) != 2 * n:
        raise ValueError(f"a {8 * n}-bit GOST signature has {2 * n} bytes, not {len(signature)}")
    if algorithm.family == "kz":
        return int.from_bytes(signature[:n], "little"), int.from_bytes(signature[n:], "little")
    return int.from_bytes(signature[n:], "big"), int.from_bytes(signature[:n], "big")


def encode_signature(algorithm: GostAlgorithm, r: int, s: int) -> bytes:
    n = algorithm.size
    if algorithm.family == "kz":
        return r.to_bytes(n, "little") + s.to_bytes(n, "little")
    return s.to_bytes(n, "big") + r.to_bytes(n, "big")


def digest_number(digest: bytes) -> int:
    """GOST 34.10 reads the Streebog output as a little-endian number (both families)."""
    return int.from_bytes(digest, "little")
