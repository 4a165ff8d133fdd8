"""Where the CLI and the web page get trust anchors and a TSA for completing a request.

``home_trust`` reads the CA certificates of the home's ``certs/`` (the demo PKI's root and
issuing CA, and any other self-signed CA certificate put there) and the home's trust list
(``docflow trust add``: NCA RK's roots), and checks GOST 34.10-2015 signatures too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from docflow.config import Home
from docflow.gost import SIGNATURE_VALIDATOR
from docflow.pki import Pki, ServiceEndpoints, TrustServices
from docflow.sign import TrustAnchors
from docflow.verify import home_ca_certificates, to_asn1, trust_store


def home_trust(home: Home) -> TrustAnchors:
    roots, intermediates = home_ca_certificates(home.certs)
    listed_roots, listed_intermediates = trust_store(home.certs)  # ``docflow trust``
    return TrustAnchors(
        roots=tuple(to_asn1(c) for c in [*roots, *listed_roots]),
        intermediates=tuple(to_asn1(c) for c in [*intermediates, *listed_intermediates]),
        signature_validator=SIGNATURE_VALIDATOR,  # GOST 34.10-2015 (NCA RK) besides RSA/ECDSA
    )


@contextmanager
def home_services(home: Home) -> Iterator[ServiceEndpoints]:
    """The configured TSA (``[services] tsa_url``), or the demo trust services on loopback
    for the duration of the block. The anchors are the home's (``home_trust``)."""
    trust = home_trust(home)
    settings = home.settings()
    if settings.tsa_url:
        endpoints = Pki(home).endpoints(settings.tsa_url)
        yield replace(endpoints, trust_roots=trust.roots, intermediates=trust.intermediates)
        return
    with TrustServices(home) as services:
        yield replace(
            services.endpoints, trust_roots=trust.roots, intermediates=trust.intermediates
        )
