"""A stand-in for NCALayer, for browser tests and demos: a loopback WSS server that really signs.

NCALayer is the NCA RK desktop application that web pages call to sign with a person's key;
it listens on ``wss://127.0.0.1:13579``. This stand-in speaks the part of its protocol that
``ncalayer-js-client`` uses for CMS signing, as recorded in that project's
``test/test-data.json`` (real NCALayer request/answer pairs):

- on connect it sends ``{"result": {"version": "…"}}``;
- ``{"module": "kz.digiflow.mobile.extensions", "method": "getVersion"}`` (the client probing
  for KAZTOKEN) gets ``{"code": "500", …}``: this is plain NCALayer;
- ``{"module": "kz.gov.pki.knca.basics", "method": "sign", "args": {"format": "cms", "data":
  base64 or [base64…], "signingParams": {"decode", "encapsulate", "digested", …},
  "signerParams": {"extKeyUsageOids": […], "iin": …}, …}}`` is signed with the key it was
  given, and answered ``{"body": {"result": "-----BEGIN CMS-----\\n…\\n-----END CMS-----\\n"},
  "status": true}`` (a list for a list of data); an ``iin`` the key does not have, or a
  login-key-only EKU filter, gets ``{"body": {}, "status": true}`` — what NCALayer answers
  when the person cancels (no suitable key to choose).

The CMS is NCALayer's shape: detached (unless ``encapsulate``), signed attributes contentType,
signingTime, signing-certificate-v2 and messageDigest (``docflow.sign.detached_cms``).

Run alone: ``python -m docflow.testing.ncalayer --p12 KEY.p12`` (passphrase from
``DOCFLOW_KEY_PASSPHRASE``); a browser must be told to accept its self-signed certificate.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import logging
import ssl
import tempfile
import textwrap
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import Signer

from docflow.pki import subject_identity
from docflow.sign import async_detached_cms

PORT = 13579
VERSION = "1.4"
log = logging.getLogger("docflow.testing.ncalayer")


def self_signed_tls(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throw-away TLS certificate and key for ``host`` (PEM files in ``folder``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "NCALayer stand-in (test)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "ncalayer-tls.pem", folder / "ncalayer-tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _pem_cms(der: bytes) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode("ascii"), 64))
    return f"-----BEGIN CMS-----\n{body}\n-----END CMS-----\n"


@dataclass
class NCALayerStandIn:
    """Serve NCALayer's protocol on ``wss://host:port`` and sign with ``signer``.

    ``requests`` records every request received (parsed JSON), for tests to assert on.
    ``honour_filters=False`` signs whatever the page asks for, as if the person had picked a
    key outside the page's filters: tests use it to see docflow refuse the wrong key.
    """

    signer: Signer
    host: str = "127.0.0.1"
    port: int = PORT
    honour_filters: bool = True
    requests: list[dict[str, Any]] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"wss://{self.host}:{self.port}/"

    # -- protocol ------------------------------------------------------------------------------

    async def _sign_one(self, data: str, params: dict[str, Any]) -> str:
        raw = base64.b64decode(data) if params.get("decode", True) else data.encode("utf-8")
        # NCALayer hashes with the key's own algorithm: SHA-256 for an RSA key
        der = await async_detached_cms(
            self.signer,
            raw,
            digest_algorithm="sha256",
            digested=bool(params.get("digested")),
            signing_time=datetime.now(UTC).replace(microsecond=0),
            encapsulate=bool(params.get("encapsulate")),
        )
        return _pem_cms(der)

    def _key_fits(self, signer_params: dict[str, Any]) -> bool:
        cert = self.signer.signing_cert
        assert cert is not None
        _, _, iin = subject_identity(cert)
        wanted_iin = signer_params.get("iin")
        if wanted_iin and wanted_iin != iin:
            return False
        ekus = set()
        if cert.extended_key_usage_value:
            ekus = {e.dotted for e in cert.extended_key_usage_value}
        return all(oid in ekus for oid in signer_params.get("extKeyUsageOids") or [])

    async def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        module, method = request.get("module"), request.get("method")
        if module == "kz.gov.pki.knca.basics" and method == "sign":
            args = request.get("args")
            if not isinstance(args, dict) or not isinstance(args.get("signingParams"), dict):
                return {
                    "code": "INVOCATION_ERROR",
                    "message": "An invoked method threw an exception.",
                    "details": 'org.json.JSONException: JSONObject["signingParams"] is not a '
                    "JSONObject.",
                    "status": False,
                }
            if args.get("format") != "cms":
                return {
                    "code": "UNSUPPORTED",
                    "message": "stand-in signs CMS only",
                    "status": False,
                }
            if self.honour_filters and not self._key_fits(args.get("signerParams") or {}):
                return {"body": {}, "status": True}  # as when the person cancels
            data = args.get("data")
            params = args["signingParams"]
            if isinstance(data, list):
                return {
                    "body": {"result": [await self._sign_one(d, params) for d in data]},
                    "status": True,
                }
            return {"body": {"result": await self._sign_one(str(data), params)}, "status": True}
        return {"code": "500", "message": f"module {module} method {method} is not available"}

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024)
        await ws.prepare(request)
        await ws.send_str(json.dumps({"result": {"version": VERSION}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                body = json.loads(msg.data)
            except ValueError:
                await ws.send_str(json.dumps({"code": "500", "message": "bad JSON"}))
                continue
            self.requests.append(body)
            try:
                answer = await self._answer(body)
            except Exception as exc:  # a failing key is NCALayer's INVOCATION_ERROR too
                log.exception("stand-in failed to sign")
                answer = {
                    "code": "INVOCATION_ERROR",
                    "message": "An invoked method threw an exception.",
                    "details": f"{type(exc).__name__}: {exc}",
                    "status": False,
                }
            await ws.send_str(json.dumps(answer))
        return ws

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> NCALayerStandIn:
        self._tmp = tempfile.TemporaryDirectory(prefix="ncalayer-")
        cert_path, key_path = self_signed_tls(Path(self._tmp.name), self.host)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert_path, key_path)
        app = web.Application()
        app.router.add_get("/", self._ws)
        ready = threading.Event()
        failed: list[BaseException] = []

        def serve() -> None:
            # everything on this thread's own loop: the caller may be inside a running loop
            # (Playwright's sync API keeps one in the test's thread)
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            runner = web.AppRunner(app, access_log=None)
            try:
                loop.run_until_complete(runner.setup())
                site = web.TCPSite(runner, self.host, self.port, ssl_context=tls)
                loop.run_until_complete(site.start())
            except BaseException as exc:
                failed.append(exc)
                ready.set()
                loop.close()
                return
            self._loop, self._runner = loop, runner
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, name="ncalayer-standin", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failed:
            raise failed[0]
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop = self._runner = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> NCALayerStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:  # pragma: no cover - a manual tool
    import argparse
    import os

    from docflow.pki import load_pkcs12

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p12", required=True, type=Path)
    parser.add_argument("--port", type=int, default=PORT)
    ns = parser.parse_args()
    passphrase = os.environ.get("DOCFLOW_KEY_PASSPHRASE", "").encode()
    handle = load_pkcs12(ns.p12, passphrase)
    with NCALayerStandIn(handle.signer, port=ns.port) as standin:
        print(f"NCALayer stand-in for {handle.name} on {standin.url} (Ctrl-C stops)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
