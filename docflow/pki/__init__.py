"""The demo PKI (``certs/``), its loopback trust services, and loading signing keys.

``Pki(home)`` makes and keeps the demo PKI (root CA → issuing CA → TSA, OCSP responder and
people's signing keys), ``TrustServices(home)`` serves RFC 3161 timestamps, OCSP and CRLs for
it on 127.0.0.1, and ``SignerHandle`` is a loaded key (PKCS#12 incl. legacy RC2-40, or PKCS#11).

Keys are bound to offices: ``find(iin=, role=, chamber=)``, ``officers_of(chamber)``,
``issuers_of(chamber)``, ``chair_of(body)`` and ``signer_for(iin, role)`` pick by capacity.
"""

from docflow.pki._keys import (
    PASSPHRASE_ENV,
    PASSPHRASE_FILE_ENV,
    PIN_ENV,
    SignerHandle,
    load_pkcs11,
    load_pkcs12,
    subject_identity,
    subject_office,
)
from docflow.pki._names import install as _install_name_memo
from docflow.pki._pki import (
    DEFAULT_PORT,
    DEMO_OFFICER_IIN,
    ROLES,
    Enrolment,
    Pki,
    ServiceEndpoints,
)
from docflow.pki._services import SHARED_IDLE_SECONDS, TrustApp, TrustServices, shared_services
from docflow.pki._x509 import DEMO_ORGANIZATION

# X.509 name values are prepared for comparison once per distinct value (docflow/pki/_names.py).
_install_name_memo()

__all__ = [
    "DEFAULT_PORT",
    "DEMO_OFFICER_IIN",
    "DEMO_ORGANIZATION",
    "PASSPHRASE_ENV",
    "PASSPHRASE_FILE_ENV",
    "PIN_ENV",
    "ROLES",
    "SHARED_IDLE_SECONDS",
    "Enrolment",
    "Pki",
    "ServiceEndpoints",
    "SignerHandle",
    "TrustApp",
    "TrustServices",
    "load_pkcs11",
    "load_pkcs12",
    "shared_services",
    "subject_identity",
    "subject_office",
]
