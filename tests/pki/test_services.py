"""The loopback trust services answer over real HTTP and follow revocations at once."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import core, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from docflow.errors import PkiError
from docflow.pki import Pki, TrustServices
from docflow.pki.testing import CONSULTANT_IIN


def _post(url: str, body: bytes, kind: str) -> bytes:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": kind})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return bytes(resp.read())


def _ocsp_status(pki: Pki, services: TrustServices) -> ocsp.OCSPResponse:
    [e] = [e for e in pki.enrolments() if e.iin == CONSULTANT_IIN]
    cert = x509.load_pem_x509_certificate(e.cert_path.read_bytes())
    issuer = x509.load_pem_x509_certificate(pki.issuing_cert_path.read_bytes())
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    der = _post(
        services.ocsp_url,
        request.public_bytes(serialization.Encoding.DER),
        "application/ocsp-request",
    )
    return ocsp.load_der_ocsp_response(der)


@pytest.mark.slow
def test_revocation_shows_in_ocsp_and_crl(pki: Pki, services: TrustServices) -> None:
    e = pki.find(iin=CONSULTANT_IIN)
    assert _ocsp_status(pki, services).certificate_status == ocsp.OCSPCertStatus.GOOD
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    pki.revoke(CONSULTANT_IIN, "key_compromise", at)

    response = _ocsp_status(pki, services)
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == at
    assert response.revocation_reason == x509.ReasonFlags.key_compromise
    ocsp_cert = x509.load_pem_x509_certificate((pki.certs / "ocsp.pem").read_bytes())
    assert (
        response.responder_key_hash
        == x509.SubjectKeyIdentifier.from_public_key(ocsp_cert.public_key()).digest
    )

    with urllib.request.urlopen(services.crl_url, timeout=10) as resp:
        crl = x509.load_der_x509_crl(resp.read())
    issuing = x509.load_pem_x509_certificate(pki.issuing_cert_path.read_bytes())
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    revoked = crl.get_revoked_certificate_by_serial_number(e.serial)
    assert revoked is not None and revoked.revocation_date_utc == at
    # the CRL file in certs/ says the same
    on_disk = x509.load_der_x509_crl((pki.certs / "crl" / "issuing-ca.crl").read_bytes())
    assert on_disk.get_revoked_certificate_by_serial_number(e.serial) is not None


@pytest.mark.slow
def test_tsa_grants_and_rejects(services: TrustServices) -> None:
    import hashlib

    req = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(b"x").digest(),
            },
            "nonce": 42,
            "cert_req": True,
        }
    )
    resp = tsp.TimeStampResp.load(
        _post(services.tsa_url, req.dump(), "application/timestamp-query")
    )
    assert resp["status"]["status"].native == "granted"
    info = resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 42
    assert abs(info["gen_time"].native - datetime.now(UTC)) < timedelta(minutes=1)
    bad = _post(services.tsa_url, b"garbage", "application/octet-stream")
    status = tsp.PKIStatusInfo.load(core.Sequence.load(bad).contents)  # a token-less response
    assert status["status"].native == "rejection"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(services.base_url + "/nothing-here", timeout=10)


def test_services_listen_where_the_certificates_say(pki: Pki) -> None:
    services = TrustServices(pki.certs.parent)
    assert services.base_url == pki.base_url
    assert services.tsa_url == f"{pki.base_url}/tsa"


@pytest.mark.slow
def test_second_instance_reuses_the_running_one(pki: Pki, services: TrustServices) -> None:
    other = TrustServices(pki.certs.parent)
    with other:
        assert other.reused
        with urllib.request.urlopen(other.crl_url, timeout=10) as resp:
            assert resp.status == 200
    strict = TrustServices(pki.certs.parent, reuse_running=False)
    with pytest.raises(PkiError, match="cannot listen"):
        strict.start()
    # the first one still serves after the second let go
    with urllib.request.urlopen(services.crl_url, timeout=10) as resp:
        assert resp.status == 200
