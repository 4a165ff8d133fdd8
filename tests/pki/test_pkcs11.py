"""A key on a PKCS#11 token (SoftHSM2) signs a PDF that validates."""

from __future__ import annotations

import os
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from docflow.config import Home
from docflow.pki import PIN_ENV, Pki, TrustServices, load_pkcs11
from docflow.pki.testing import CONSULTANT_IIN, pdf_with_fields
from docflow.sign import SignSpec, sign_pdf

SOFTHSM_LIB = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "docflow-test"


@pytest.mark.slow
def test_softhsm_token_signs(
    pki: Pki, home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    pin = "4711"  # a throw-away test token's PIN (softhsm2-util/pkcs11-tool take it as argv)
    run = {"check": True, "capture_output": True, "env": {**os.environ}}
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            pin,
            "--so-pin",
            "12345678",
        ],
        **run,
    )  # type: ignore[call-overload]

    # move the consultant's key and certificate onto the token
    e = pki.find(iin=CONSULTANT_IIN)
    assert e.passphrase_path is not None
    key, cert, _ = pkcs12.load_key_and_certificates(
        e.p12_path.read_bytes(), e.passphrase_path.read_bytes()
    )
    assert key is not None and cert is not None
    key_pem = tmp_path / "key.pem"
    fd = os.open(key_pem, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_der = tmp_path / "cert.der"
    cert_der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    subprocess.run(
        [
            "softhsm2-util",
            "--import",
            str(key_pem),
            "--token",
            TOKEN,
            "--label",
            "signer",
            "--id",
            "01",
            "--pin",
            pin,
        ],
        **run,
    )  # type: ignore[call-overload]
    key_pem.unlink()
    subprocess.run(
        [
            "pkcs11-tool",
            "--module",
            SOFTHSM_LIB,
            "--token-label",
            TOKEN,
            "--login",
            "--pin",
            pin,
            "--write-object",
            str(cert_der),
            "--type",
            "cert",
            "--id",
            "01",
            "--label",
            "signer",
        ],
        **run,
    )  # type: ignore[call-overload]

    monkeypatch.setenv(PIN_ENV, pin)  # docflow itself reads the PIN from the environment
    handle = load_pkcs11(SOFTHSM_LIB, token_label=TOKEN, key_label="signer", chain=pki.chain())
    assert handle.iin == CONSULTANT_IIN and handle.source == "pkcs11"
    with TrustServices(home) as services:
        signed = sign_pdf(
            pdf_with_fields(), SignSpec("consultant"), signer=handle, services=services.endpoints
        )
        sig = PdfFileReader(BytesIO(signed)).embedded_regular_signatures[0]
        vc = ValidationContext(
            trust_roots=pki.trust_roots(), allow_fetching=True, revocation_mode="hard-fail"
        )
        status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.sha256 == handle.certificate.sha256
