"""A GOST 34.10-2015 test PKI shaped like NCA RK's, made in the tests with docflow.gost's signer:
a root and an issuing CA, a signer with an IIN, a TSA, OCSP answers and CRLs, all signed with
GOST-2015-512 / Streebog-512 and NCA's identifiers; and a GOST-signed PDF made through pyHanko's
interrupted (external) signing path, as NCALayer's detached CMS would arrive."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asn1crypto import cms, core, crl, ocsp, tsp, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import ExternalSigner, PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from docflow.gost import GostPrivateKey, GostSigner, install
from docflow.verify._aio import run_sync

SIGNER_IIN = "123456789011"


@dataclass
class Issued:
    cert: x509.Certificate
    key: GostPrivateKey


def _name(cn: str, **extra: str) -> x509.Name:
    return x509.Name.build({"country_name": "KZ", "common_name": cn, **extra})


def _time(moment: datetime) -> x509.Time:
    return x509.Time({"utc_time": moment} if moment.year < 2050 else {"general_time": moment})


def issue(
    subject: x509.Name,
    key: GostPrivateKey,
    issuer: Issued | None,
    not_before: datetime,
    not_after: datetime,
    *,
    ca: bool = False,
    key_usage: set[str] | None = None,
    eku: list[str] | None = None,
) -> Issued:
    """A certificate for ``key`` signed by ``issuer`` (self-signed when None) with GOST-2015."""
    signing_key = issuer.key if issuer else key
    spki = key.public_key_info()
    extensions = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": ca, "path_len_constraint": None},
        },
        {
            "extn_id": "key_usage",
            "critical": True,
            "extn_value": key_usage
            or ({"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}),
        },
        {"extn_id": "key_identifier", "critical": False, "extn_value": spki.sha1},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {
                "key_identifier": (issuer.key.public_key_info() if issuer else spki).sha1
            },
        },
    ]
    if eku:
        extensions.append({"extn_id": "extended_key_usage", "critical": True, "extn_value": eku})
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": int.from_bytes(os.urandom(12)),
            "signature": key.signature_algorithm,
            "issuer": issuer.cert.subject if issuer else subject,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject,
            "subject_public_key_info": spki,
            "extensions": extensions,
        }
    )
    cert = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": signing_key.signature_algorithm,
            "signature_value": signing_key.sign(tbs.dump()),
        }
    )
    return Issued(x509.Certificate.load(cert.dump()), key)


def ocsp_answer(
    cert: x509.Certificate, issuer: Issued, at: datetime, *, revoked_at: datetime | None = None
) -> ocsp.OCSPResponse:
    """An OCSP answer about ``cert`` signed by its issuing CA (GOST-2015-512)."""
    status = (
        ocsp.CertStatus(
            name="revoked",
            value={"revocation_time": revoked_at, "revocation_reason": "key_compromise"},
        )
        if revoked_at
        else ocsp.CertStatus(name="good", value=core.Null())
    )
    tbs = ocsp.ResponseData(
        {
            "responder_id": ocsp.ResponderId(name="by_key", value=issuer.cert.public_key.sha1),
            "produced_at": at,
            "responses": [
                {
                    "cert_id": {
                        "hash_algorithm": {"algorithm": "sha1"},
                        "issuer_name_hash": hashlib.sha1(issuer.cert.subject.dump()).digest(),
                        "issuer_key_hash": issuer.cert.public_key.sha1,
                        "serial_number": cert.serial_number,
                    },
                    "cert_status": status,
                    "this_update": at,
                    "next_update": at + timedelta(days=7),
                }
            ],
        }
    )
    basic = ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": issuer.key.signature_algorithm,
            "signature": issuer.key.sign(tbs.dump()),
            "certs": [issuer.cert],
        }
    )
    return ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    )


def crl_of(
    issuer: Issued, at: datetime, revoked: tuple[x509.Certificate, ...] = ()
) -> crl.CertificateList:
    """A CRL of ``issuer`` (GOST-2015-512), listing ``revoked``."""
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": issuer.key.signature_algorithm,
            "issuer": issuer.cert.subject,
            "this_update": _time(at),
            "next_update": _time(at + timedelta(days=7)),
            "revoked_certificates": [
                {
                    "user_certificate": c.serial_number,
                    "revocation_date": _time(at - timedelta(days=1)),
                }
                for c in revoked
            ]
            or None,
            "crl_extensions": [
                {"extn_id": "crl_number", "critical": False, "extn_value": 1},
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {"key_identifier": issuer.cert.public_key.sha1},
                },
            ],
        }
    )
    return crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": issuer.key.signature_algorithm,
            "signature": issuer.key.sign(tbs.dump()),
        }
    )


class GostTimeStamper(TimeStamper):
    """An in-process RFC 3161 TSA whose tokens are GOST-2015-512 signed, at a fixed time."""

    def __init__(self, tsa: Issued, chain: list[x509.Certificate], at: datetime) -> None:
        super().__init__(include_nonce=False)
        self.tsa = tsa
        self.chain = chain
        self.at = at

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.2.398.3.3.2.6.1",
                "message_imprint": req["message_imprint"],
                "serial_number": int.from_bytes(os.urandom(8)),
                "gen_time": self.at,
                "tsa": x509.GeneralName(name="directory_name", value=self.tsa.cert.subject),
            }
        )
        signer = GostSigner(self.tsa.key, self.tsa.cert, self.chain)
        token = await signer.async_sign_general_data(
            cms.EncapsulatedContentInfo(
                {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(tst_info.dump()),
                }
            ),
            self.tsa.key.digest_algorithm,
            detached=False,
        )
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


@dataclass
class GostPki:
    root: Issued
    ca: Issued
    signer: Issued
    tsa: Issued
    at: datetime
    extra: dict[str, Issued] = field(default_factory=dict)

    @classmethod
    def build(cls, at: datetime) -> GostPki:
        install()
        start, end = at - timedelta(days=180), at + timedelta(days=3650)
        root = issue(
            _name("НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) docflow test"),
            GostPrivateKey.generate(),
            None,
            start,
            end + timedelta(days=365),
            ca=True,
        )
        ca = issue(
            _name("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) docflow test"),
            GostPrivateKey.generate(),
            root,
            start,
            end,
            ca=True,
        )
        signer = issue(
            _name(
                "ТЕСТОВ ТЕСТ",
                surname="ТЕСТОВ",
                serial_number=f"IIN{SIGNER_IIN}",
                given_name="ТЕСТОВИЧ",
            ),
            GostPrivateKey.generate(),
            ca,
            start,
            at + timedelta(days=365),
        )
        tsa = issue(
            _name("TSA (GOST) docflow test"),
            GostPrivateKey.generate(),
            ca,
            start,
            end,
            key_usage={"digital_signature", "non_repudiation"},
            eku=["time_stamping"],
        )
        return cls(root, ca, signer, tsa, at)

    def timestamper(self) -> GostTimeStamper:
        return GostTimeStamper(self.tsa, [self.ca.cert, self.root.cert], self.at)

    def sign_pdf(
        self, pdf: bytes, *, with_timestamp: bool = True, signer_revoked_by_crl: bool = False
    ) -> bytes:
        """Sign ``pdf`` as NCALayer would: docflow prepares the document and its digest,
        the signer's side returns a detached GOST CMS, pyHanko embeds it; then the DSS gets
        GOST-signed OCSP answers and CRLs for the chain (or, with ``signer_revoked_by_crl``,
        only a CRL that lists the signer)."""
        return run_sync(self._sign_pdf(pdf, with_timestamp, signer_revoked_by_crl))

    async def _sign_pdf(self, pdf: bytes, with_timestamp: bool, revoked: bool) -> bytes:
        digest_algorithm = self.signer.key.digest_algorithm
        placeholder = ExternalSigner(
            signing_cert=self.signer.cert,
            cert_registry=SimpleCertificateStore.from_certs([self.ca.cert, self.root.cert]),
            signature_value=bytes(128),
            signature_mechanism=self.signer.key.signature_algorithm,
        )
        meta = signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm=digest_algorithm)
        pdf_signer = signers.PdfSigner(meta, signer=placeholder)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=24000
        )
        # --- the signer's side (NCALayer): a detached CMS over the document digest
        signing = GostSigner(self.signer.key, self.signer.cert, [self.ca.cert, self.root.cert])
        cms_object = await signing.async_sign(
            prepared.document_digest,
            digest_algorithm,
            timestamper=self.timestamper() if with_timestamp else None,
            # the test PKI's fixed clock: signed a few seconds before the TSA's time
            signed_attr_settings=PdfCMSSignedAttributes(
                signing_time=self.at - timedelta(seconds=5)
            ),
        )
        # --- back in docflow
        await PdfTBSDocument.async_finish_signing(output, prepared, cms_object)
        output.seek(0)
        signed = output.read()
        out = io.BytesIO(signed)
        DocumentSecurityStore.add_dss(
            out,
            None,
            certs=[self.signer.cert, self.ca.cert, self.root.cert, self.tsa.cert],
            ocsps=[]
            if revoked
            else [
                ocsp_answer(self.signer.cert, self.ca, self.at),
                ocsp_answer(self.tsa.cert, self.ca, self.at),
            ],
            crls=[
                crl_of(self.ca, self.at, (self.signer.cert,) if revoked else ()),
                crl_of(self.root, self.at),
            ],
        )
        return out.getvalue()
