"""GOST 34.10-2015 / 34.10-2012 signatures (256 and 512 bit) with Streebog, in pure Python,
and their place in pyHanko's validation (Kazakh NCA RK and tc26 identifiers)."""

from docflow.gost._curve import Curve, curve
from docflow.gost._oids import (
    SIGNATURE_NAMES,
    GostAlgorithm,
    encode_signature,
    gost_algorithm,
    public_point,
    register,
    signature_halves,
)
from docflow.gost._signer import GostPrivateKey, GostSigner
from docflow.gost._streebog import Streebog, streebog256, streebog512
from docflow.gost._validator import (
    SIGNATURE_VALIDATOR,
    STREEBOG_DIGESTS,
    GostSignatureValidator,
    algorithm_label,
    install,
    verify_gost,
)

__all__ = [
    "SIGNATURE_NAMES",
    "SIGNATURE_VALIDATOR",
    "STREEBOG_DIGESTS",
    "Curve",
    "GostAlgorithm",
    "GostPrivateKey",
    "GostSignatureValidator",
    "GostSigner",
    "Streebog",
    "algorithm_label",
    "curve",
    "encode_signature",
    "gost_algorithm",
    "install",
    "public_point",
    "register",
    "signature_halves",
    "streebog256",
    "streebog512",
    "verify_gost",
]
