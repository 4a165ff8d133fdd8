"""What verify needs from ``docflow.gost``: the GOST-aware signature validator for its
validation contexts, the algorithm name of each signature, and the signatures that cannot be
checked at all (GOST 34.310-2004 of the old NCA RK), which are INDETERMINATE, never valid."""

from __future__ import annotations

from typing import Any

from pyhanko_certvalidator.sig_validate import SignatureValidator

from docflow.gost import SIGNATURE_VALIDATOR, algorithm_label, gost_algorithm, install, public_point
from docflow.gost._oids import SIGNATURE_NAMES, UNSUPPORTED

install()


def signature_validator() -> SignatureValidator:
    """For ``ValidationContext(signature_validator=...)``: RSA/ECDSA/EdDSA as before, plus GOST."""
    return SIGNATURE_VALIDATOR


def algorithm_of(emb: Any) -> str | None:
    """ "RSA / SHA-256", "GOST 34.10-2015 512 / Streebog-512", … for an embedded signature."""
    try:
        signer_info = emb.signer_info
        digest = str(signer_info["digest_algorithm"]["algorithm"].native)
        return algorithm_label(signer_info["signature_algorithm"], digest)
    except Exception:
        return None


def uncheckable_reason(emb: Any) -> str | None:
    """Why this signature cannot be checked by docflow at all, or None when it can."""
    try:
        signer_info = emb.signer_info
        algorithm = signer_info["signature_algorithm"]
        name = str(algorithm["algorithm"].native)
    except Exception:
        return None
    if name in UNSUPPORTED:
        return (
            f"the signature uses {SIGNATURE_NAMES[name]}, which docflow cannot check; "
            "its validity is not known"
        )
    if gost_algorithm(algorithm) is not None:
        try:
            cert = emb.signer_cert
            public_point(cert.public_key)
        except ValueError as exc:
            return f"the signer's GOST key cannot be used: {exc}"
        except Exception:
            return None  # a missing certificate is judged by the usual path
    return None
