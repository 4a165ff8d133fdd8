"""The home's trust list (``docflow trust``): anchors and intermediates beside the demo CA."""

from docflow.trust._store import TrustEntry, TrustStore, parse_certificate, trust_store

__all__ = ["TrustEntry", "TrustStore", "parse_certificate", "trust_store"]
