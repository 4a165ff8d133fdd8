"""GOST signatures inside pyHanko's validation: its signature-validator seam, plus Streebog
where pyHanko digests with pyca/cryptography (which has no Streebog).

``GostSignatureValidator`` is handed to every ``ValidationContext`` docflow builds
(pyhanko-certvalidator passes it the signatures of certificates, CRLs and OCSP answers; pyHanko
the signed attributes of CMS signatures and timestamp tokens). ``install()`` registers the
identifiers with asn1crypto and lets pyHanko's digest helpers compute Streebog.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from types import ModuleType, SimpleNamespace
from typing import Any

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from pyhanko_certvalidator.errors import AlgorithmNotSupported
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

from docflow.gost._curve import curve
from docflow.gost._oids import (
    DIGEST_OIDS,
    SIGNATURE_NAMES,
    STREEBOG_SIZES,
    digest_number,
    gost_algorithm,
    is_unsupported,
    public_point,
    register,
    signature_halves,
)
from docflow.gost._streebog import Streebog

# --------------------------------------------------------------------------- verification

_CACHE_SIZE = 512
_cache: OrderedDict[bytes, bool] = OrderedDict()
_cache_lock = threading.Lock()


def verify_gost(
    signature: bytes,
    signed_data: bytes,
    public_key_info: keys.PublicKeyInfo,
    signature_algorithm: algos.SignedDigestAlgorithm,
    *,
    prehashed: bool = False,
) -> bool:
    """Is ``signature`` a valid GOST 34.10 signature of ``signed_data`` by this key?

    Results are remembered per (key, algorithm, signature, signed bytes): a chain's CA
    signatures and the OCSP answers are met again for every signature in a document.
    Raises ValueError when the algorithm or key is not a GOST one we can check.
    """
    algorithm = gost_algorithm(signature_algorithm)
    if algorithm is None:
        raise ValueError(f"not a GOST 34.10 algorithm: {signature_algorithm['algorithm'].dotted}")
    key = hashlib.sha256(
        b"\0".join(
            (
                public_key_info.dump(),
                algorithm.name.encode(),
                bytes(signature),
                b"1" if prehashed else b"0",
                hashlib.sha256(signed_data).digest(),
            )
        )
    ).digest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    curve_name, x, y = public_point(public_key_info)
    ec = curve(curve_name)
    if ec.size != algorithm.size:
        raise ValueError(f"a {8 * ec.size}-bit key cannot check a {algorithm.name} signature")
    digest = bytes(signed_data) if prehashed else Streebog(algorithm.size, signed_data).digest()
    if len(digest) != algorithm.size:
        raise ValueError("the digest does not fit the signature algorithm")
    try:
        r, s = signature_halves(algorithm, bytes(signature))
    except ValueError:
        result = False
    else:
        result = ec.verify((x, y), digest_number(digest), r, s)
    with _cache_lock:
        _cache[key] = result
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


class GostSignatureValidator(DefaultSignatureValidator):
    """pyhanko-certvalidator's default validator, plus GOST 34.10-2015/2012.

    GOST 34.310-2004 (the old NCA algorithm) is recognised but not implemented: it raises
    ``AlgorithmNotSupported`` naming it, so the signature is reported as not checkable.
    """

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: keys.PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        if gost_algorithm(signature_algorithm) is not None:
            try:
                ok = verify_gost(
                    signature,
                    signed_data,
                    public_key_info,
                    signature_algorithm,
                    prehashed=context.prehashed,
                )
            except ValueError as exc:
                raise AlgorithmNotSupported(str(exc)) from exc
            if not ok:
                raise InvalidSignature()
            return
        if is_unsupported(signature_algorithm):
            name = SIGNATURE_NAMES[str(signature_algorithm["algorithm"].native)]
            raise AlgorithmNotSupported(f"the signature algorithm {name} cannot be checked")
        super().validate_signature(
            signature, signed_data, public_key_info, signature_algorithm, context
        )


SIGNATURE_VALIDATOR = GostSignatureValidator()

# --------------------------------------------------------------------------- Streebog in pyHanko


class StreebogAlgorithm(hashes.HashAlgorithm):
    """A pyca-shaped name for Streebog; only ``_HashDispatch`` can compute it."""

    def __init__(self, digest_size: int) -> None:
        self._digest_size = digest_size

    @property
    def name(self) -> str:
        return f"streebog{8 * self._digest_size}"

    @property
    def digest_size(self) -> int:
        return self._digest_size

    @property
    def block_size(self) -> int:
        return 64


def _hash_for(algorithm: str) -> hashes.HashAlgorithm:
    size = STREEBOG_SIZES.get(algorithm.lower())
    if size is not None:
        return StreebogAlgorithm(size)
    return _original_get_hash(algorithm)


class _StreebogContext:
    def __init__(self, algorithm: StreebogAlgorithm, state: Streebog | None = None) -> None:
        self.algorithm = algorithm
        self._state = state or Streebog(algorithm.digest_size)

    def update(self, data: bytes) -> None:
        self._state.update(data)

    def copy(self) -> _StreebogContext:
        return _StreebogContext(self.algorithm, self._state.copy())

    def finalize(self) -> bytes:
        return self._state.digest()


def _hash_dispatch(algorithm: hashes.HashAlgorithm, *args: Any, **kwargs: Any) -> Any:
    if isinstance(algorithm, StreebogAlgorithm):
        return _StreebogContext(algorithm)
    return hashes.Hash(algorithm, *args, **kwargs)


_original_get_hash: Any = None
#: pyHanko modules that digest with ``hashes.Hash(get_pyca_cryptography_hash(name))``.
_DIGESTING_MODULES = (
    "pyhanko.sign.general",
    "pyhanko.sign.validation.generic_cms",
    "pyhanko.sign.signers.pdf_byterange",
    "pyhanko.sign.signers.pdf_cms",
    "pyhanko.sign.signers.pdf_signer",
    "pyhanko.sign.attributes",
    "pyhanko.sign.timestamps.common_utils",
)
_install_lock = threading.Lock()
_installed = False


def _shim(real: ModuleType) -> SimpleNamespace:
    namespace = SimpleNamespace(
        **{k: getattr(real, k) for k in dir(real) if not k.startswith("__")}
    )
    namespace.Hash = _hash_dispatch
    return namespace


def install() -> None:
    """Register the GOST identifiers and teach pyHanko's digest helpers Streebog (idempotent).

    pyHanko digests documents and encapsulated content through pyca/cryptography, which has
    no Streebog; inside the modules listed above, and only there, the name lookup returns a
    Streebog marker and ``hashes.Hash`` computes it in Python. Every other algorithm goes to
    pyca unchanged.
    """
    global _installed, _original_get_hash
    with _install_lock:
        if _installed:
            return
        register()
        import importlib

        import pyhanko_certvalidator.util as cv_util

        _original_get_hash = cv_util.get_pyca_cryptography_hash
        shim = _shim(hashes)
        for name in _DIGESTING_MODULES:
            module = importlib.import_module(name)
            if hasattr(module, "get_pyca_cryptography_hash"):
                module.get_pyca_cryptography_hash = _hash_for  # type: ignore[attr-defined]
            if getattr(module, "hashes", None) is hashes:
                module.hashes = shim  # type: ignore[attr-defined]
        _installed = True


def _streebog(size: int) -> Callable[[bytes], bytes]:
    def digest(data: bytes) -> bytes:
        return Streebog(size, data).digest()

    return digest


#: Streebog by asn1crypto name and by dotted OID, for hooks that take digest functions
#: (``docflow.sign.check_cms(..., extra_digests=STREEBOG_DIGESTS)``).
STREEBOG_DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    **{name: _streebog(size) for name, size in STREEBOG_SIZES.items()},
    **{oid: _streebog(STREEBOG_SIZES[name]) for oid, name in DIGEST_OIDS.items()},
}

# --------------------------------------------------------------------------- naming

_DIGEST_LABELS = {
    "sha1": "SHA-1",
    "sha224": "SHA-224",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
    "sha3_256": "SHA3-256",
    "sha3_384": "SHA3-384",
    "sha3_512": "SHA3-512",
    "md5": "MD5",
    "streebog256": "Streebog-256",
    "streebog512": "Streebog-512",
    "kz_streebog256": "Streebog-256",
    "kz_streebog512": "Streebog-512",
}
_MECHANISM_LABELS = {
    "rsassa_pkcs1v15": "RSA",
    "rsassa_pss": "RSA-PSS",
    "ecdsa": "ECDSA",
    "dsa": "DSA",
    "ed25519": "Ed25519",
    "ed448": "Ed448",
}


def algorithm_label(signature_algorithm: algos.SignedDigestAlgorithm, digest: str | None) -> str:
    """How ``verify --json`` names a signature's algorithm: "RSA / SHA-256",
    "GOST 34.10-2015 512 / Streebog-512", or the OID when unknown."""
    register()
    name = str(signature_algorithm["algorithm"].native)
    if name in SIGNATURE_NAMES:
        return SIGNATURE_NAMES[name]
    try:
        mechanism = signature_algorithm.signature_algo
    except ValueError:
        return signature_algorithm["algorithm"].dotted
    label = _MECHANISM_LABELS.get(mechanism, mechanism)
    if mechanism in ("ed25519", "ed448"):
        return label
    try:
        hash_name = signature_algorithm.hash_algo
    except ValueError:
        hash_name = digest or ""
    hash_label = _DIGEST_LABELS.get(hash_name, hash_name.upper())
    return f"{label} / {hash_label}" if hash_label else label
