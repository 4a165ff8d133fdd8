"""The demo PKI's trust services on loopback: RFC 3161 timestamps, OCSP and CRLs over HTTP.

``TrustApp`` answers requests (and is a WSGI app); ``TrustServices`` serves it with aiohttp's
HTTP/1.1 server in a background thread, or in the foreground for ``docflow pki serve``. Answers
follow ``certs/pki.json`` (re-read whenever it changes), so revocations made with
``Pki.revoke`` show at once. Keys are loaded and the constant parts of a timestamp response
encoded once, when the service starts.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urlsplit

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp

from docflow.config import Home
from docflow.errors import PkiError
from docflow.i18n import cli_locale, message
from docflow.pki import _der as der
from docflow.pki._pki import Pki, ServiceEndpoints

if TYPE_CHECKING:
    from aiohttp import web  # imported when a server starts: signing processes never need it

_TSA_POLICY = "1.3.6.1.4.1.99999.1.1"  # a private-arc demo policy OID


def _cms_attr(kind: str, value: Any) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": cms.CMSAttributeType(kind), "values": (value,)})


def _oid(value: core.ObjectIdentifier) -> bytes:
    return bytes(value.dump())


# RFC 3161 §2.4.2: a rejection carries no token. (asn1crypto's TimeStampResp insists on one.)
_REJECTION = der.sequence(
    tsp.PKIStatusInfo({"status": "rejection", "fail_info": {"bad_data_format"}}).dump()
)
_GRANTED = tsp.PKIStatusInfo({"status": "granted"}).dump()
_SIGNED_DATA = _oid(cms.ContentType("signed_data"))
_TST_INFO = _oid(cms.ContentType("tst_info"))
_MESSAGE_DIGEST = _oid(cms.CMSAttributeType("message_digest"))
_SIGNING_TIME = _oid(cms.CMSAttributeType("signing_time"))


class _TimeStampAuthority:
    """Builds RFC 3161 responses (modelled on certomancer's TimeStamper, with a loaded key).

    Only the TSTInfo, two signed attributes (messageDigest, signingTime) and the signature
    differ between responses. Everything else (the certificate set, the signer's identifier,
    the algorithms, the policy, the TSA's name, the ESS signing-certificate-v2 attribute) is
    encoded once here with asn1crypto, and each response is joined from DER pieces: built
    whole by asn1crypto, a response cost ~15 ms of CPU, nearly all of it re-serialising the
    certificate chain and nested structures; the RSA signature is ~1 ms of it.
    """

    def __init__(self, pki: Pki) -> None:
        cert, self._key = pki.load_service_key("tsa")
        self._cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
        self._digest_algorithms = der.set_of([sha256])
        # certificates [0] IMPLICIT CertificateSet: the TSA's certificate and the issuing CA
        chain = cms.CertificateSet([self._cert, *pki.chain()])
        self._certificates = der.tlv(der.context(0), chain.contents)
        sid = cms.SignerIdentifier(
            {
                "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                    {"issuer": self._cert.issuer, "serial_number": self._cert.serial_number}
                )
            }
        )
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
        self._signer_head = der.integer(1) + sid.dump() + sha256  # version, sid, digestAlgorithm
        self._signature_algorithm = signature_algorithm.dump()
        ess = tsp.SigningCertificateV2(
            {"certs": [tsp.ESSCertIDv2({"cert_hash": hashlib.sha256(self._cert.dump()).digest()})]}
        )
        self._fixed_attrs = (
            _cms_attr("content_type", "tst_info").dump(),
            _cms_attr("signing_certificate_v2", ess).dump(),
        )
        self._info_head = der.integer(1) + _oid(core.ObjectIdentifier(_TSA_POLICY))
        tsa_name = asn1_x509.GeneralName(name="directory_name", value=self._cert.subject)
        self._tsa_name = der.tlv(der.context(0), tsa_name.dump())  # tsa [0] EXPLICIT

    def respond(self, body: bytes) -> bytes:
        try:
            req = tsp.TimeStampReq.load(body)
            _ = req.native  # force a full parse: garbage in → rejection, not a crash later
        except (ValueError, TypeError, KeyError):
            return _REJECTION
        now = datetime.now(UTC).replace(microsecond=0)
        return self.grant(req, now=now, serial=secrets.randbits(63))

    def grant(self, req: tsp.TimeStampReq, *, now: datetime, serial: int) -> bytes:
        """The TimeStampResp granting a parsed request at ``now`` (whole seconds, UTC).

        Any imprint algorithm is accepted (the imprint and the nonce are echoed as received);
        the token itself is SHA-256 with RSA. The certificates go along when the request asks
        for them (certReq), and only then (RFC 3161 §2.4.1); pyHanko always asks.
        """
        nonce = req["nonce"]
        tst_info = der.sequence(
            self._info_head,
            req["message_imprint"].dump(),
            der.integer(serial),
            der.generalized_time(now),
            nonce.dump() if isinstance(nonce, core.Integer) else b"",
            self._tsa_name,
        )
        attrs = (
            *self._fixed_attrs,
            der.sequence(_SIGNING_TIME, der.set_of([der.utc_time(now)])),
            der.sequence(
                _MESSAGE_DIGEST, der.set_of([der.octet_string(hashlib.sha256(tst_info).digest())])
            ),
        )
        # The signature covers the attributes encoded as a SET OF (RFC 5652 §5.4); the
        # SignerInfo holds the same encoding with its IMPLICIT [0] tag.
        signature = self._key.sign(der.set_of(attrs), padding.PKCS1v15(), hashes.SHA256())
        signer_info = der.sequence(
            self._signer_head,
            der.set_of(attrs, tag=der.context(0)),
            self._signature_algorithm,
            der.octet_string(signature),
        )
        signed_data = der.sequence(
            der.integer(3),
            self._digest_algorithms,
            der.sequence(_TST_INFO, der.tlv(der.context(0), der.octet_string(tst_info))),
            self._certificates if req["cert_req"].native else b"",
            der.set_of([signer_info]),
        )
        token = der.sequence(_SIGNED_DATA, der.tlv(der.context(0), signed_data))
        return der.sequence(_GRANTED, token)


_Version = tuple[int, int, int, int]
_Revoked = dict[int, tuple[datetime, x509.ReasonFlags]]


class _RegistrySnapshot:
    """The revoked and the issued serials of ``pki.json``, read again only when the file has
    changed: read for every answer, they cost 20-35 ms of CPU per OCSP answer with a thousand
    consultants enrolled (the signature itself is ~1 ms)."""

    def __init__(self, pki: Pki) -> None:
        self._pki = pki
        self._lock = threading.Lock()
        self._seen: tuple[_Version, _Revoked, set[int]] | None = None

    def read(self) -> tuple[_Revoked, set[int]]:
        version = _registry_version(self._pki)
        with self._lock:
            if self._seen is None or self._seen[0] != version:
                self._seen = (version, self._pki.revoked(), self._pki.issued_serials())
            return self._seen[1], self._seen[2]


def _registry_version(pki: Pki) -> _Version:
    """What changes whenever ``pki.json`` is rewritten, so a revocation shows at once.

    Pki writes a new file and renames it over the old one (a new inode), and an enrolment or
    a revocation makes it longer, so this never repeats even within one tick of the file
    system's clock. Take it *before* reading the registry: a reading filed under it is then
    never older than it.
    """
    st = pki.registry_path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class _OcspResponder:
    """Answers for certificates of the issuing CA from the registry (good / revoked / unknown)."""

    def __init__(self, pki: Pki) -> None:
        self._registry = _RegistrySnapshot(pki)
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
        revoked, issued = self._registry.read()
        rev_time = rev_reason = None
        if serial in revoked:
            status = ocsp.OCSPCertStatus.REVOKED
            rev_time, rev_reason = revoked[serial]
        elif serial in issued:
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


#: Requests are a few hundred bytes; anything larger is refused unread.
_MAX_BODY = 64 * 1024
_TEXT = "text/plain; charset=utf-8"


class Answer(NamedTuple):
    status: int
    content_type: str
    body: bytes


class TrustApp:
    """The services as a function of a request: ``POST /tsa``, ``POST|GET /ocsp``,
    ``GET /crl/<ca>.crl``, ``GET /certs/<ca>.crt``. Also a WSGI application."""

    def __init__(self, pki: Pki) -> None:
        self.pki = pki
        self.tsa = _TimeStampAuthority(pki)
        self.ocsp = _OcspResponder(pki)
        self._crl_cache: dict[str, tuple[_Version, float, bytes]] = {}
        self._lock = threading.Lock()

    def _crl(self, name: str) -> bytes:
        # Rebuild when the registry changed (a revocation) or the cached one is old.
        version = _registry_version(self.pki)
        now = datetime.now(UTC).timestamp()
        with self._lock:
            cached = self._crl_cache.get(name)
            if cached and cached[0] == version and now - cached[1] < 600:
                return cached[2]
            data = self.pki.build_crl(name)
            self._crl_cache[name] = (version, now, data)
            return data

    def answer(self, method: str, path: str, body: bytes) -> Answer:
        """The answer to ``method`` on ``path`` (percent-decoded, no query) with ``body``."""
        if path == "/tsa" and method == "POST":
            return Answer(200, "application/timestamp-reply", self.tsa.respond(body))
        if path == "/ocsp" and method == "POST":
            return Answer(200, "application/ocsp-response", self.ocsp.respond(body))
        if path.startswith("/ocsp/") and method == "GET":
            try:
                request = base64.b64decode(path[len("/ocsp/") :] + "==")
            except ValueError:
                request = b""
            return Answer(200, "application/ocsp-response", self.ocsp.respond(request))
        if path in ("/crl/root-ca.crl", "/crl/issuing-ca.crl"):
            return Answer(200, "application/pkix-crl", self._crl(Path(path).stem))
        if path in ("/certs/root-ca.crt", "/certs/issuing-ca.crt"):
            pem = (self.pki.certs / f"{Path(path).stem}.pem").read_bytes()
            der_cert = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
            return Answer(200, "application/pkix-cert", der_cert)
        return Answer(404, _TEXT, b"not found")

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        # werkzeug only where the services are served: a signing process is their client.
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        if request.content_length and request.content_length > _MAX_BODY:
            response = Response("too large", status=413)
        else:
            status, kind, body = self.answer(request.method, request.path, request.get_data())
            response = Response(body, status=status, content_type=kind)
        return response(environ, start_response)


class _HttpServer:
    """aiohttp's low-level HTTP/1.1 server (C parser, keep-alive, one event loop) in front of a
    TrustApp, on a socket already bound.

    Werkzeug's threaded WSGI server cost ~1 ms of CPU per request, as much as a timestamp
    itself; this costs ~0.2-0.3 ms. Answers are made on the event loop (a timestamp or an OCSP
    answer is ~1 ms of CPU), except CRLs: rebuilding one loads the CA's key (~50 ms), so they
    are made in a worker thread.
    """

    def __init__(self, app: TrustApp, *, access_log: logging.Logger | None = None) -> None:
        self.app = app
        self._access_log = access_log
        self._runner: web.ServerRunner | None = None
        self.last_request = time.monotonic()

    async def start(self, sock: socket.socket) -> None:
        # aiohttp (~45 ms to import, several MB per process) only where a server starts: every
        # signing worker imports this module for TrustServices' addresses and never serves.
        from aiohttp import web

        try:
            server = web.Server(self._handle, access_log=self._access_log)
            self._runner = web.ServerRunner(server, shutdown_timeout=1.0)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
        except BaseException:
            sock.close()
            raise

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.BaseRequest) -> web.Response:
        from aiohttp import web  # loaded by start() already; see there why not at the top

        self.last_request = time.monotonic()
        if (request.content_length or 0) > _MAX_BODY:
            return web.Response(status=413, text="too large")
        body = await request.read()
        if len(body) > _MAX_BODY:
            return web.Response(status=413, text="too large")
        path = unquote(urlsplit(request.raw_path).path)  # as Werkzeug saw it
        if path.startswith("/crl/"):
            answer = await asyncio.to_thread(self.app.answer, request.method, path, body)
        else:
            answer = self.app.answer(request.method, path, body)
        return web.Response(
            body=answer.body, status=answer.status, headers={"Content-Type": answer.content_type}
        )


def _access_log() -> logging.Logger:
    """Request lines on stderr, for ``docflow pki serve`` in the foreground."""
    log = logging.getLogger("docflow.pki.access")
    if not log.handlers:
        log.addHandler(logging.StreamHandler())
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


class TrustServices:
    """The loopback TSA + OCSP + CRL server of a home's demo PKI, as a context manager.

    ::

        with TrustServices(home) as services:
            signed = sign_pdf(pdf, spec, signer=..., services=services.endpoints)

    It listens on the address recorded in ``certs/pki.json`` (the certificates name it), in a
    background thread running its own event loop. A listener already there is first asked for
    its issuing CA: one that is not this home's PKI (another home's, another program) is named
    in a plain error instead of failing every signature later (issue 19). The flow's commands
    use ``shared_services`` instead: one process serving the home for all of them.
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
        self._running: tuple[asyncio.AbstractEventLoop, _HttpServer, threading.Thread] | None = None

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

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            return socket.create_server((self.host, self.port), family=family, backlog=128)
        except OSError as exc:
            raise PkiError(f"cannot listen on {self.base_url}: {exc.strerror}") from exc

    def ping(self) -> bool:
        """Whether an HTTP server answers on the recorded address (any answer counts). Unlike a
        bare connection, a request keeps a shared services process from ending as idle for
        the next ``SHARED_IDLE_SECONDS``: what follows a ping is always served."""
        from urllib.error import HTTPError, URLError
        from urllib.request import urlopen

        try:
            with urlopen(f"{self.base_url}/alive", timeout=3) as answer:
                answer.read(1024)
        except HTTPError:
            return True
        except (URLError, OSError):
            return False
        return True

    def foreign(self) -> str | None:
        """None when what answers on the recorded address is this home's PKI (it serves this
        home's issuing CA certificate); otherwise what answers instead, for a person."""
        from urllib.error import HTTPError, URLError
        from urllib.request import urlopen

        mine = x509.load_pem_x509_certificate(self.pki.issuing_cert_path.read_bytes())
        url = f"{self.base_url}/certs/issuing-ca.crt"
        try:
            with urlopen(url, timeout=3) as answer:
                body = answer.read(64 * 1024)
        except HTTPError as exc:
            return f"HTTP {exc.code} for /certs/issuing-ca.crt"
        except (URLError, OSError) as exc:
            return f"no HTTP answer ({getattr(exc, 'reason', exc)})"
        try:
            theirs = x509.load_der_x509_certificate(body)
        except ValueError:
            return "not a docflow PKI: /certs/issuing-ca.crt is not a certificate"
        if theirs.public_bytes(serialization.Encoding.DER) == mine.public_bytes(
            serialization.Encoding.DER
        ):
            return None
        return f"another PKI: issuing CA {theirs.subject.rfc4514_string()}"

    def _refuse_foreign(self, detail: str) -> PkiError:
        return PkiError(
            message("services.foreign_listener", cli_locale(None), url=self.base_url, detail=detail)
        )

    def is_serving(self) -> bool:
        """Whether something accepts connections on the recorded address right now."""
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex((self.host, self.port)) == 0

    def start(self) -> TrustServices:
        if self._running is None and not self.reused:
            if self.is_serving():
                detail = self.foreign()
                if detail is not None:
                    raise self._refuse_foreign(detail)
            try:
                sock = self._bind()
            except PkiError:
                # Taken by a listener without SO_REUSEPORT (an older docflow, `pki serve`):
                # used when it is this home's PKI, named when it is not.
                if not (self.reuse_running and self.is_serving()):
                    raise
                detail = self.foreign()
                if detail is not None:
                    raise self._refuse_foreign(detail) from None
                self.reused = True
                return self
            http = _HttpServer(TrustApp(self.pki))
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(http.start(sock))
            except BaseException:
                loop.close()
                raise
            thread = threading.Thread(
                target=_run_until_stopped, args=(loop,), name="docflow-trust-services", daemon=True
            )
            thread.start()
            self._running = (loop, http, thread)
        return self

    def stop(self) -> None:
        self.reused = False
        if self._running is not None:
            loop, http, thread = self._running
            self._running = None
            asyncio.run_coroutine_threadsafe(http.close(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Run in the foreground until interrupted (``docflow pki serve``)."""
        if self.is_serving():
            detail = self.foreign()
            if detail is not None:
                raise self._refuse_foreign(detail)
        http = _HttpServer(TrustApp(self.pki), access_log=_access_log())
        asyncio.run(_serve_until_cancelled(http, self._bind()))

    def __enter__(self) -> TrustServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _run_until_stopped(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


async def _serve_until_cancelled(http: _HttpServer, sock: socket.socket) -> None:
    await http.start(sock)
    try:
        await asyncio.Event().wait()  # until Ctrl-C cancels this task
    finally:
        await http.close()


#: A home's shared services process exits after this long without a request (seconds).
SHARED_IDLE_SECONDS = float(os.environ.get("DOCFLOW_SERVICES_IDLE", "120"))


def shared_services(home: Home | Path | str, *, timeout: float = 30.0) -> TrustServices:
    """This home's trust services, served by one background process for every docflow command
    of the home (started here when none answers; it ends after ``SHARED_IDLE_SECONDS`` without
    a request, or when the home's PKI is gone). Concurrent commands no longer race for the port
    ("Address already in use"), and no command loses the services when another one ends (as
    when one used the services another had started in-process). A listener that is not this
    home's PKI is named in a ``PkiError``. The returned object only names the address
    (``reused``); stopping it stops nothing."""
    services = TrustServices(home)
    if not services.is_serving():
        log_path = Home(services.pki.root).state / "trust-services.log"
        _spawn_shared(services, log_path)
        deadline = time.monotonic() + timeout
        while not services.is_serving():
            if time.monotonic() > deadline:
                raise PkiError(
                    f"the trust services of this home did not start at {services.base_url}; "
                    f"see {log_path}"
                )
            time.sleep(0.05)
    detail = services.foreign()
    if detail is not None:
        raise services._refuse_foreign(detail)
    services.reused = True
    return services


def _spawn_shared(services: TrustServices, log_path: Path) -> None:
    """Start the shared process detached: through a launcher that exits at once, so it is no
    child of this process (a watcher killed with -9 leaves no child of its own behind, and the
    shared process serves the other commands on)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    serve = [
        sys.executable, "-c",
        "from docflow.pki._services import _serve_shared_main; _serve_shared_main()",
        str(services.pki.root), str(SHARED_IDLE_SECONDS),
    ]  # fmt: skip
    launcher = (
        "import subprocess, sys; subprocess.Popen(sys.argv[1:], start_new_session=True, "
        "stdin=subprocess.DEVNULL)"
    )
    with open(log_path, "ab") as log_file:
        subprocess.run(
            [sys.executable, "-c", launcher, *serve],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, close_fds=True,
            check=False, timeout=30,
        )  # fmt: skip


def _serve_shared_main() -> None:
    """The shared services process (``shared_services``): argv is the home and the idle time.
    A second one started at the same moment finds the port taken by the first and exits."""
    root, idle = sys.argv[1], float(sys.argv[2])
    services = TrustServices(root)
    try:
        sock = services._bind()
    except PkiError:
        sys.exit(0 if services.is_serving() else 1)
    http = _HttpServer(TrustApp(services.pki))
    asyncio.run(_serve_while_used(http, sock, services.pki, idle))


async def _serve_while_used(http: _HttpServer, sock: socket.socket, pki: Pki, idle: float) -> None:
    await http.start(sock)
    try:
        while time.monotonic() - http.last_request < idle and pki.registry_path.exists():
            await asyncio.sleep(min(5.0, idle / 4))
    finally:
        await http.close()
