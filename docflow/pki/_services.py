"""The demo PKI's trust services on loopback: RFC 3161 timestamps, OCSP and CRLs over HTTP.

A small WSGI app (served by Werkzeug in a background thread, or in the foreground by
``docflow pki serve``). It answers from ``certs/pki.json`` on every request, so revocations
made with ``Pki.revoke`` show at once. Keys are loaded once when the service starts.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from docflow.config import Home
from docflow.errors import PkiError
from docflow.pki._pki import Pki, ServiceEndpoints

_TSA_POLICY = "1.3.6.1.4.1.99999.1.1"  # a private-arc demo policy OID


def _cms_attr(kind: str, value: Any) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": cms.CMSAttributeType(kind), "values": (value,)})


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


class _TimeStampAuthority:
    """Builds RFC 3161 responses (modelled on certomancer's TimeStamper, with a loaded key)."""

    def __init__(self, pki: Pki) -> None:
        cert, self._key = pki.load_service_key("tsa")
        der = serialization.Encoding.DER
        self._cert = asn1_x509.Certificate.load(cert.public_bytes(der))
        self._chain = [self._cert, *pki.chain()]

    def respond(self, body: bytes) -> bytes:
        try:
            req = tsp.TimeStampReq.load(body)
            imprint = req["message_imprint"]
            md = imprint["hash_algorithm"]["algorithm"].native
            _ = req.native  # force a full parse: garbage in → rejection, not a crash later
        except (ValueError, TypeError, KeyError):
            # asn1crypto insists on a token field; a rejection carries none (RFC 3161 §2.4.2),
            # so the SEQUENCE is written by hand around the PKIStatusInfo.
            status = tsp.PKIStatusInfo({"status": "rejection", "fail_info": {"bad_data_format"}})
            return core.Sequence.load(
                b"\x30" + _der_length(len(status.dump())) + status.dump()
            ).dump()
        now = datetime.now(UTC).replace(microsecond=0)
        info: dict[str, Any] = {
            "version": "v1",
            "policy": _TSA_POLICY,
            "message_imprint": imprint,
            "serial_number": secrets.randbits(63),
            "gen_time": now,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self._cert.subject),
        }
        if isinstance(req["nonce"], core.Integer):
            info["nonce"] = req["nonce"]
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes(
            [
                _cms_attr("content_type", "tst_info"),
                _cms_attr("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
                _cms_attr(
                    "signing_certificate_v2",
                    tsp.SigningCertificateV2(
                        {
                            "certs": [
                                tsp.ESSCertIDv2(
                                    {"cert_hash": hashlib.sha256(self._cert.dump()).digest()}
                                )
                            ]
                        }
                    ),
                ),
                _cms_attr("message_digest", hashlib.sha256(tst_info).digest()),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                            {"issuer": self._cert.issuer, "serial_number": self._cert.serial_number}
                        )
                    }
                ),
                "digest_algorithm": sha256,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
                "signed_attrs": signed_attrs,
                "signature": signature,
            }
        )
        del md  # any imprint algorithm is accepted; the token itself is SHA-256
        token = cms.ContentInfo(
            {
                "content_type": "signed_data",
                "content": cms.SignedData(
                    {
                        "version": "v3",
                        "digest_algorithms": [sha256],
                        "encap_content_info": {
                            "content_type": "tst_info",
                            "content": cms.ParsableOctetString(tst_info),
                        },
                        "certificates": self._chain,
                        "signer_infos": [signer_info],
                    }
                ),
            }
        )
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()


class _OcspResponder:
    """Answers for certificates of the issuing CA from the registry (good / revoked / unknown)."""

    def __init__(self, pki: Pki) -> None:
        self._pki = pki
        self._cert, self._key = pki.load_service_key("ocsp")
        self._issuer = x509.load_pem_x509_certificate(pki.issuing_cert_path.read_bytes())
        self._issuer_key_hashes = {
            name: h
            for name, h in (
                ("sha1", self._key_hash(hashlib.sha1)),
                ("sha256", self._key_hash(hashlib.sha256)),
            )
        }

    def _key_hash(self, fn: Callable[[bytes], Any]) -> bytes:
        spki = asn1_x509.Certificate.load(
            self._issuer.public_bytes(serialization.Encoding.DER)
        ).public_key
        return bytes(fn(spki["public_key"].contents[1:]).digest())

    def respond(self, body: bytes) -> bytes:
        try:
            req = ocsp.load_der_ocsp_request(body)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST
            ).public_bytes(serialization.Encoding.DER)
        algo = req.hash_algorithm.name
        if req.issuer_key_hash != self._issuer_key_hashes.get(algo):
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        now = datetime.now(UTC).replace(microsecond=0)
        serial = req.serial_number
        revoked = self._pki.revoked()
        rev_time = rev_reason = None
        if serial in revoked:
            status = ocsp.OCSPCertStatus.REVOKED
            rev_time, rev_reason = revoked[serial]
        elif serial in self._pki.issued_serials():
            status = ocsp.OCSPCertStatus.GOOD
        else:
            status = ocsp.OCSPCertStatus.UNKNOWN
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=req.issuer_name_hash,
                issuer_key_hash=req.issuer_key_hash,
                serial_number=serial,
                algorithm=req.hash_algorithm,
                cert_status=status,
                this_update=now,
                next_update=now + timedelta(days=1),
                revocation_time=rev_time,
                revocation_reason=rev_reason,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self._cert)
            .certificates([self._cert])
        )
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        return builder.sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class TrustApp:
    """The WSGI application: ``POST /tsa``, ``POST|GET /ocsp``, ``GET /crl/<ca>.crl``,
    ``GET /certs/<ca>.crt``."""

    def __init__(self, pki: Pki) -> None:
        self.pki = pki
        self.tsa = _TimeStampAuthority(pki)
        self.ocsp = _OcspResponder(pki)
        self._crl_cache: dict[str, tuple[float, float, bytes]] = {}
        self._lock = threading.Lock()

    def _crl(self, name: str) -> bytes:
        # Rebuild when the registry changed (a revocation) or the cached one is old.
        mtime = self.pki.registry_path.stat().st_mtime
        now = datetime.now(UTC).timestamp()
        with self._lock:
            cached = self._crl_cache.get(name)
            if cached and cached[0] == mtime and now - cached[1] < 600:
                return cached[2]
            data = self.pki.build_crl(name)
            self._crl_cache[name] = (mtime, now, data)
            return data

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        limit = 64 * 1024  # requests are a few hundred bytes; refuse anything huge
        if request.content_length and request.content_length > limit:
            return Response("too large", status=413)
        if path == "/tsa" and request.method == "POST":
            return Response(
                self.tsa.respond(request.get_data()), mimetype="application/timestamp-reply"
            )
        if path == "/ocsp" and request.method == "POST":
            return Response(
                self.ocsp.respond(request.get_data()), mimetype="application/ocsp-response"
            )
        if path.startswith("/ocsp/") and request.method == "GET":
            try:
                body = base64.b64decode(path[len("/ocsp/") :] + "==")
            except ValueError:
                body = b""
            return Response(self.ocsp.respond(body), mimetype="application/ocsp-response")
        if path in ("/crl/root-ca.crl", "/crl/issuing-ca.crl"):
            return Response(self._crl(Path(path).stem), mimetype="application/pkix-crl")
        if path in ("/certs/root-ca.crt", "/certs/issuing-ca.crt"):
            pem = (self.pki.certs / f"{Path(path).stem}.pem").read_bytes()
            der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
            return Response(der, mimetype="application/pkix-cert")
        return Response("not found", status=404)


class _QuietHandler(WSGIRequestHandler):
    """No access log from the background thread: tests and the workflow stay quiet."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class TrustServices:
    """The loopback TSA + OCSP + CRL server of a home's demo PKI, as a context manager.

    ::

        with TrustServices(home) as services:
            signed = sign_pdf(pdf, spec, signer=..., services=services.endpoints)

    It listens on the address recorded in ``certs/pki.json`` (the certificates name it).
    """

    def __init__(self, home: Home | Path | str, *, reuse_running: bool = True) -> None:
        """``reuse_running``: if something already answers on the recorded address (e.g.
        ``docflow pki serve`` in another process), use it instead of failing to bind."""
        self.pki = Pki(home)
        self.reuse_running = reuse_running
        self.reused = False
        parts = urlsplit(self.pki.base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/tsa"

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def crl_url(self) -> str:
        return f"{self.base_url}/crl/issuing-ca.crl"

    @property
    def endpoints(self) -> ServiceEndpoints:
        return self.pki.endpoints(self.tsa_url)

    def _make_server(self, quiet: bool = True) -> BaseWSGIServer:
        handler = _QuietHandler if quiet else None
        try:
            return make_server(
                self.host, self.port, TrustApp(self.pki), threaded=True, request_handler=handler
            )
        except OSError as exc:
            raise PkiError(f"cannot listen on {self.base_url}: {exc.strerror}") from exc
        except SystemExit as exc:
            # Werkzeug prints the bind error and exits instead of raising.
            raise PkiError(f"cannot listen on {self.base_url} (address in use?)") from exc

    def is_serving(self) -> bool:
        """Whether something accepts connections on the recorded address right now."""
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex((self.host, self.port)) == 0

    def start(self) -> TrustServices:
        if self._server is None and not self.reused:
            if self.reuse_running and self.is_serving():
                self.reused = True
                return self
            self._server = self._make_server()
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="docflow-trust-services",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self.reused = False
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (``docflow pki serve``)."""
        server = self._make_server(quiet=False)
        try:
            server.serve_forever()
        finally:
            server.server_close()

    def __enter__(self) -> TrustServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
