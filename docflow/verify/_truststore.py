"""The home's trust list as verify sees it: ``trust_store(home) -> (anchors, intermediates)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asn1crypto import x509


def trust_store(home_or_certs: Any) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    """(anchors, intermediates) of the trust list of a ``Home`` (or its ``certs/`` folder)."""
    from docflow.trust import trust_store as _listed

    certs = home_or_certs.certs if hasattr(home_or_certs, "certs") else Path(home_or_certs)
    return _listed(certs)
