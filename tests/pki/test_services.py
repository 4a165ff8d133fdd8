"""The loopback trust services answer over real HTTP and follow revocations at once; the TSA's
responses, assembled from DER pieces, are the ones asn1crypto built whole."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from hypothesis import given
from hypothesis import strategies as st

from docflow.errors import PkiError
from docflow.pki import Pki, TrustApp, TrustServices
from docflow.pki import _der as der
from docflow.pki.testing import CONSULTANT_IIN, OTHER_IIN


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


# ------------------------------------------------------------------ the TSA's responses

NOW = datetime(2026, 2, 10, 9, 30, 5, tzinfo=UTC)
SERIAL = 0x1234_5678_9ABC_DEF0


def _tsa_request(
    nonce: int | None = 42, cert_req: bool = True, algorithm: str = "sha256", data: bytes = b"x"
) -> bytes:
    fields: dict[str, object] = {
        "version": 1,
        "message_imprint": {
            "hash_algorithm": {"algorithm": algorithm},
            "hashed_message": hashlib.new(algorithm, data).digest(),
        },
        "cert_req": cert_req,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    return bytes(tsp.TimeStampReq(fields).dump())


def _reference_response(
    pki: Pki, body: bytes, now: datetime, serial: int, *, certificates: bool
) -> bytes:
    """The TimeStampResp as the service built it before it was assembled from DER pieces:
    whole, from Python values, by asn1crypto."""
    cert_, key = pki.load_service_key("tsa")
    cert = asn1_x509.Certificate.load(cert_.public_bytes(serialization.Encoding.DER))

    def attr(kind: str, value: object) -> cms.CMSAttribute:
        return cms.CMSAttribute({"type": cms.CMSAttributeType(kind), "values": (value,)})

    req = tsp.TimeStampReq.load(body)
    info: dict[str, object] = {
        "version": "v1",
        "policy": "1.3.6.1.4.1.99999.1.1",
        "message_imprint": req["message_imprint"],
        "serial_number": serial,
        "gen_time": now,
        "tsa": asn1_x509.GeneralName(name="directory_name", value=cert.subject),
    }
    if isinstance(req["nonce"], core.Integer):
        info["nonce"] = req["nonce"]
    tst_info = tsp.TSTInfo(info).dump()
    ess = tsp.SigningCertificateV2(
        {"certs": [tsp.ESSCertIDv2({"cert_hash": hashlib.sha256(cert.dump()).digest()})]}
    )
    signed_attrs = cms.CMSAttributes(
        [
            attr("content_type", "tst_info"),
            attr("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
            attr("signing_certificate_v2", ess),
            attr("message_digest", hashlib.sha256(tst_info).digest()),
        ]
    )
    sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": cert.issuer, "serial_number": cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": sha256,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signed_attrs": signed_attrs,
            # PKCS#1 v1.5 is deterministic: the same bytes signed give the same signature
            "signature": key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256()),
        }
    )
    signed_data: dict[str, object] = {
        "version": "v3",
        "digest_algorithms": [sha256],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": cms.ParsableOctetString(tst_info),
        },
        "signer_infos": [signer_info],
    }
    if certificates:
        signed_data["certificates"] = [cert, *pki.chain()]
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return bytes(
        tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()
    )


@pytest.fixture
def app(pki: Pki) -> TrustApp:
    return TrustApp(pki)


@pytest.mark.parametrize(
    ("nonce", "algorithm"),
    [(42, "sha256"), (None, "sha256"), (2**63 - 1, "sha512"), (2**80 + 1, "sha1"), (0, "sha256")],
)
def test_tsa_response_is_byte_for_byte_the_one_asn1crypto_built(
    pki: Pki, app: TrustApp, nonce: int | None, algorithm: str
) -> None:
    body = _tsa_request(nonce=nonce, algorithm=algorithm)
    ours = app.tsa.grant(tsp.TimeStampReq.load(body), now=NOW, serial=SERIAL)
    assert ours == _reference_response(pki, body, NOW, SERIAL, certificates=True)


def test_tsa_sends_certificates_only_when_asked(pki: Pki, app: TrustApp) -> None:
    # RFC 3161 §2.4.1: without certReq the SignedData carries no certificates (pyHanko always
    # asks, and finds the TSA's certificate and the issuing CA there)
    body = _tsa_request(cert_req=False)
    ours = app.tsa.grant(tsp.TimeStampReq.load(body), now=NOW, serial=SERIAL)
    assert ours == _reference_response(pki, body, NOW, SERIAL, certificates=False)
    signed_data = tsp.TimeStampResp.load(ours)["time_stamp_token"]["content"]
    assert isinstance(signed_data["certificates"], core.Void)


def test_tsa_token_verifies_with_the_tsa_certificate(pki: Pki, app: TrustApp) -> None:
    body = _tsa_request(nonce=0x0123_4567_89AB_CDEF, data=b"the document")
    before = datetime.now(UTC).replace(microsecond=0)
    resp = tsp.TimeStampResp.load(app.tsa.respond(body))
    assert resp.native  # parses all the way down
    assert resp["status"]["status"].native == "granted"
    token = resp["time_stamp_token"]
    assert token["content_type"].native == "signed_data"
    signed_data = token["content"]
    tsa_cert = x509.load_pem_x509_certificate((pki.certs / "tsa.pem").read_bytes())
    issuing = pki.chain()[0]
    tsa_der = tsa_cert.public_bytes(serialization.Encoding.DER)
    assert sorted(c.chosen.dump() for c in signed_data["certificates"]) == sorted(
        [tsa_der, issuing.dump()]
    )

    info = signed_data["encap_content_info"]["content"].parsed
    assert signed_data["encap_content_info"]["content_type"].native == "tst_info"
    assert info["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert (
        info["message_imprint"]["hashed_message"].native == hashlib.sha256(b"the document").digest()
    )
    assert info["nonce"].native == 0x0123_4567_89AB_CDEF
    assert before <= info["gen_time"].native <= datetime.now(UTC)
    assert info["policy"].dotted == "1.3.6.1.4.1.99999.1.1"
    assert info["tsa"].chosen == asn1_x509.Certificate.load(tsa_der).subject

    [signer] = signed_data["signer_infos"]
    sid = signer["sid"].chosen
    assert (sid["issuer"], sid["serial_number"].native) == (
        asn1_x509.Certificate.load(tsa_der).issuer,
        tsa_cert.serial_number,
    )
    attrs = {a["type"].native: a["values"][0] for a in signer["signed_attrs"]}
    assert attrs["content_type"].native == "tst_info"
    assert (
        attrs["message_digest"].native
        == hashlib.sha256(signed_data["encap_content_info"]["content"].contents).digest()
    )
    assert attrs["signing_time"].native == info["gen_time"].native
    [ess] = attrs["signing_certificate_v2"]["certs"]
    assert ess["cert_hash"].native == hashlib.sha256(tsa_der).digest()
    # the signature covers the attributes as a SET OF (RFC 5652 §5.4)
    signed_attrs = signer["signed_attrs"].untag().dump()
    assert signed_attrs[0] == 0x31
    public_key = tsa_cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signer["signature"].native, signed_attrs, padding.PKCS1v15(), hashes.SHA256())


def test_tsa_rejects_what_is_not_a_request(app: TrustApp) -> None:
    for body in (b"", b"garbage", _tsa_request()[:-3], b"\x30\x03\x02\x01\x01"):
        answer = app.tsa.respond(body)
        status = tsp.PKIStatusInfo.load(core.Sequence.load(answer).contents)
        assert status["status"].native == "rejection"
        assert status["fail_info"].native == {"bad_data_format"}
        assert answer == bytes.fromhex("3009300702010203020204")  # as before


def test_tsa_serials_differ(app: TrustApp) -> None:
    body = _tsa_request()
    serials = {
        tsp.TimeStampResp.load(app.tsa.respond(body))["time_stamp_token"]["content"][
            "encap_content_info"
        ]["content"]
        .parsed["serial_number"]
        .native
        for _ in range(5)
    }
    assert len(serials) == 5


@pytest.mark.slow
def test_pyhanko_takes_and_validates_the_timestamps(pki: Pki, services: TrustServices) -> None:
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(b"a report").digest()
    context = ValidationContext(
        trust_roots=pki.trust_roots(), allow_fetching=True, revocation_mode="hard-fail"
    )

    async def stamp_and_validate() -> dict[str, Any]:
        stamper = HTTPTimeStamper(services.tsa_url)
        token = await stamper.async_timestamp(digest, "sha256")  # checks the nonce it sent
        # the dummy response hands pyHanko the TSA's certificate, to which it finds a path
        [path] = [p async for p in stamper.validation_paths(context)]
        assert path.leaf.subject.native["common_name"] == "docflow DEMO TSA"
        kwargs: dict[str, Any] = await validate_tst_signed_data(
            token["content"], context, lambda algo: digest
        )
        return kwargs

    kwargs = asyncio.run(stamp_and_validate())
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "docflow DEMO TSA"
    assert abs(status.timestamp - datetime.now(UTC)) < timedelta(minutes=1)


# ------------------------------------------------------------------ OCSP and CRL


@pytest.mark.slow
def test_ocsp_follows_enrolments_at_once(pki: Pki, services: TrustServices) -> None:
    # the responder keeps its reading of pki.json until the file changes
    other = pki.enroll(OTHER_IIN, "Other DEMO", "consultant")
    assert _ocsp_status(pki, services).certificate_status == ocsp.OCSPCertStatus.GOOD
    cert = x509.load_pem_x509_certificate(other.cert_path.read_bytes())
    issuer = x509.load_pem_x509_certificate(pki.issuing_cert_path.read_bytes())
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    answer = ocsp.load_der_ocsp_response(_post(services.ocsp_url, der, "application/ocsp-request"))
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    pki.revoke(OTHER_IIN, "superseded")
    pki.revoke(CONSULTANT_IIN, "key_compromise")  # two writes within moments
    for iin in (OTHER_IIN, CONSULTANT_IIN):
        [e] = [e for e in pki.enrolments() if e.iin == iin]
        cert = x509.load_pem_x509_certificate(e.cert_path.read_bytes())
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
        der = request.public_bytes(serialization.Encoding.DER)
        answer = ocsp.load_der_ocsp_response(
            _post(services.ocsp_url, der, "application/ocsp-request")
        )
        assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    # GET form (RFC 6960 A.1): the base64 of the request, URL-encoded
    url = f"{services.ocsp_url}/{urllib.parse.quote(base64.b64encode(der).decode(), safe='')}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "application/ocsp-response"
        got = ocsp.load_der_ocsp_response(resp.read())
    assert got.certificate_status == ocsp.OCSPCertStatus.REVOKED


# ------------------------------------------------------------------ HTTP


@pytest.mark.slow
def test_http_keeps_the_connection_and_says_what_it_sends(
    pki: Pki, services: TrustServices
) -> None:
    conn = http.client.HTTPConnection(services.host, services.port, timeout=10)
    try:
        for nonce in (1, 2, 3):  # one connection, several requests (HTTP/1.1 keep-alive)
            conn.request(
                "POST",
                "/tsa",
                body=_tsa_request(nonce=nonce),
                headers={"Content-Type": "application/timestamp-query"},
            )
            resp = conn.getresponse()
            assert resp.status == 200
            assert resp.getheader("Content-Type") == "application/timestamp-reply"
            token = tsp.TimeStampResp.load(resp.read())["time_stamp_token"]
            info = token["content"]["encap_content_info"]["content"].parsed
            assert info["nonce"].native == nonce
        for path, kind in (
            ("/crl/root-ca.crl", "application/pkix-crl"),
            ("/crl/issuing-ca.crl", "application/pkix-crl"),
            ("/certs/root-ca.crt", "application/pkix-cert"),
            ("/certs/issuing-ca.crt", "application/pkix-cert"),
        ):
            conn.request("GET", path)
            resp = conn.getresponse()
            assert (resp.status, resp.getheader("Content-Type")) == (200, kind)
            body = resp.read()
            if kind == "application/pkix-crl":
                x509.load_der_x509_crl(body)
            else:
                x509.load_der_x509_certificate(body)
        conn.request("POST", "/tsa", body=b"\x30" * (65 * 1024))
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (413, b"too large")
    finally:
        conn.close()


def test_the_wsgi_app_answers_as_the_server_does(pki: Pki, app: TrustApp) -> None:
    from werkzeug.test import Client

    client = Client(app)
    resp = client.post(
        "/tsa", data=_tsa_request(), headers={"Content-Type": "application/timestamp-query"}
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/timestamp-reply"
    assert tsp.TimeStampResp.load(resp.data)["status"]["status"].native == "granted"
    assert client.get("/crl/issuing-ca.crl").status_code == 200
    assert client.get("/nothing").status_code == 404
    assert client.post("/ocsp", data=b"\x00" * (65 * 1024)).status_code == 413


@pytest.mark.slow
def test_stop_lets_go_of_the_address(pki: Pki) -> None:
    for _ in range(2):
        with TrustServices(pki.certs.parent, reuse_running=False) as services:
            assert services.is_serving()
            with urllib.request.urlopen(services.crl_url, timeout=10) as resp:
                assert resp.status == 200
        assert not services.is_serving()


# ------------------------------------------------------------------ the DER helpers


@given(st.integers(min_value=-(2**300), max_value=2**300))
def test_der_integer_is_asn1cryptos(n: int) -> None:
    assert der.integer(n) == core.Integer(n).dump()


@pytest.mark.parametrize("size", [0, 1, 127, 128, 255, 256, 65535, 65536, 2**24])
def test_der_length_is_asn1cryptos(size: int) -> None:
    data = b"\x00" * size
    assert der.octet_string(data) == core.OctetString(data).dump()


def test_der_set_of_sorts_as_asn1crypto_does() -> None:
    values = [b"\xff", b"", b"\x01\x02", b"\x01", b"\x00" * 130]
    assert (
        der.set_of(der.octet_string(v) for v in values)
        == core.SetOf([core.OctetString(v) for v in values], spec=core.OctetString).dump()
    )
    assert der.set_of([der.integer(5)], tag=der.context(0))[0] == 0xA0


def test_der_times_are_asn1cryptos() -> None:
    for moment in (NOW, datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)):
        assert der.generalized_time(moment) == core.GeneralizedTime(moment).dump()
        assert der.utc_time(moment) == core.UTCTime(moment).dump()
    with pytest.raises(ValueError, match="fraction"):
        der.generalized_time(NOW.replace(microsecond=1))
    with pytest.raises(ValueError, match="UTC"):
        der.utc_time(NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="2050"):
        der.utc_time(NOW.replace(year=2050))
    with pytest.raises(ValueError):
        der.tlv(0x1F, b"")  # a tag number that needs more octets
