"""Issue 15: several requests of one person as ONE package, signed offline in one go (one
passphrase or PIN prompt, PKCS#12 or PKCS#11), completed request by request, each signature
checked as a single one. A batch is not atomic (docs/OWN-SIGNING.md): a signature over other
bytes is refused with its reason, its request stays open, the others are completed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.pki import Pki, load_pkcs12
from docflow.pki.testing import CONSULTANT_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.sign._cmsmake import detached_cms
from docflow.signreq import SignRequests, batch_document, read_batch
from docflow.verify import verify_pdf

from .test_offline import OWN_IIN, OWN_NAME, PASSPHRASE, SOFTHSM_LIB, _cli

BATCH = "S20250410120000-00c0ffee"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    make_test_pki(root)
    return root


def _enrol(home: Path, key: Path) -> None:
    code, out, err = _cli("--home", str(home), "pki", "enroll", "--iin", OWN_IIN, "--name",
                          OWN_NAME, "--out", str(key),
                          env={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE})  # fmt: skip
    assert code == 0, out + err


def _requests(home: Path, count: int, iin: str = OWN_IIN) -> list[str]:
    store = SignRequests(home)
    try:
        return [
            store.create(
                pdf_with_fields(text=f"batch document {i}"),
                SignSpec("consultant", role="consultant"),
                document=batch_document(BATCH, f"doc-{i}"),
                expected_iin=iin,
                signer_name=OWN_NAME,
            ).id
            for i in range(count)
        ]
    finally:
        store.close()


def _states(home: Path, ids: list[str]) -> list[str]:
    store = SignRequests(home)
    try:
        return [store.get(i).state for i in ids]
    finally:
        store.close()


def test_issue_15_a_batch_is_signed_with_one_passphrase_prompt(home: Path, tmp_path: Path) -> None:
    key = tmp_path / "mine.p12"
    _enrol(home, key)
    ids = _requests(home, 3)
    package = tmp_path / "batch.zip"
    code, _, err = _cli("--home", str(home), "sign-requests", "export", "--batch", BATCH,
                          "-o", str(package))  # fmt: skip
    assert code == 0, err
    assert [p.id for p in read_batch(package.read_bytes())] == ids

    signed = tmp_path / "signed.zip"
    env = {"DOCFLOW_KEY_PASSPHRASE": ""}  # nothing in the environment: the prompt asks
    result = CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "no-home"), "sign-package", str(package), "--p12", str(key),
         "-o", str(signed)],
        input=PASSPHRASE + "\n", env=env, catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Passphrase") == 1  # one prompt for the whole batch
    with zipfile.ZipFile(signed) as zf:
        assert json.loads(zf.read("batch.json"))["ids"] == ids

    code, _, err = _cli("--home", str(home), "sign-requests", "complete", str(signed))
    assert code == 0, err
    assert _states(home, ids) == ["signed"] * 3
    store = SignRequests(home)
    try:
        for request_id in ids:
            report = verify_pdf(store.signed_pdf(request_id), trust_roots=Pki(home).trust_roots())
            # the consultant's own signature is valid; the report would await the officer's
            assert report.valid_so_far, report.to_json()
            assert report.signatures[0].iin == OWN_IIN
    finally:
        store.close()


def test_issue_15_one_signature_over_other_bytes_is_refused_the_others_complete(
    home: Path, tmp_path: Path
) -> None:
    key = tmp_path / "mine.p12"
    _enrol(home, key)
    ids = _requests(home, 3)
    package = tmp_path / "batch.zip"
    assert _cli("--home", str(home), "sign-requests", "export", *ids, "-o", str(package))[0] == 0
    handle = load_pkcs12(key, PASSPHRASE.encode())
    moment = datetime.now(UTC).replace(microsecond=0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("batch.json", json.dumps({"format": "docflow-signature-batch/1", "ids": ids}))
        for p in read_batch(package.read_bytes()):
            data = p.prepared.signed_bytes()
            if p.id == ids[1]:
                data += b"% other bytes"
            zf.writestr(f"requests/{p.id}/request.json", json.dumps(p.meta))
            zf.writestr(f"requests/{p.id}/signature.p7s",
                        detached_cms(handle.signer, data, signing_time=moment))  # fmt: skip
    signed = tmp_path / "signed.zip"
    signed.write_bytes(out.getvalue())
    code, stdout, err = _cli("--home", str(home), "sign-requests", "complete", str(signed))
    assert code == 1  # one refused
    assert f"{ids[1]}: refused:" in err  # English: the CLI reads no --lang here
    assert stdout.count("signed by") == 2
    assert _states(home, ids) == ["signed", "open", "signed"]
    store = SignRequests(home)
    try:
        refusal = store.get(ids[1]).last_refusal
    finally:
        store.close()
    assert refusal and refusal[0]["code"] == "other_bytes"


def test_issue_15_one_package_holds_one_persons_requests(home: Path, tmp_path: Path) -> None:
    ids = _requests(home, 1) + _requests(home, 1, iin=CONSULTANT_IIN)
    result = CliRunner().invoke(main, ["--home", str(home), "sign-requests", "export", *ids,
                                       "-o", str(tmp_path / "mixed.zip")])  # fmt: skip
    assert result.exit_code != 0 and not (tmp_path / "mixed.zip").exists()
    assert "one person's requests" in str(result.exception)


@pytest.mark.slow
def test_issue_15_a_batch_is_signed_on_a_pkcs11_token(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key = tmp_path / "mine.p12"
    _enrol(home, key)
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    pin = "4711"  # a throw-away test token's PIN
    run = {"check": True, "capture_output": True, "env": {**os.environ}}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "own", "--pin", pin,
                    "--so-pin", "12345678"], **run)  # type: ignore[call-overload]  # fmt: skip
    private, cert, _ = pkcs12.load_key_and_certificates(key.read_bytes(), PASSPHRASE.encode())
    assert private is not None and cert is not None
    key_pem = tmp_path / "key.pem"
    fd = os.open(key_pem, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))  # fmt: skip
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "own",
                    "--label", "signer", "--id", "01", "--pin", pin],
                   **run)  # type: ignore[call-overload]  # fmt: skip
    key_pem.unlink()
    cert_der = tmp_path / "cert.der"
    cert_der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    subprocess.run(["pkcs11-tool", "--module", SOFTHSM_LIB, "--token-label", "own", "--login",
                    "--pin", pin, "--write-object", str(cert_der), "--type", "cert", "--id", "01",
                    "--label", "signer"], **run)  # type: ignore[call-overload]  # fmt: skip

    ids = _requests(home, 3)
    package = tmp_path / "batch.zip"
    assert _cli("--home", str(home), "sign-requests", "export", "--batch", BATCH,
                "-o", str(package))[0] == 0  # fmt: skip
    signed = tmp_path / "signed.zip"
    # the signer's own process; the PIN typed once at the prompt for the whole batch
    env = {k: v for k, v in os.environ.items() if k != "DOCFLOW_PKCS11_PIN"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "docflow"), "sign-package", str(package),
         "--pkcs11-lib", SOFTHSM_LIB, "--token-label", "own", "--key-label", "signer",
         "-o", str(signed)],
        input=pin + "\n", capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.count("Token PIN") == 1
    code, _, err = _cli("--home", str(home), "sign-requests", "complete", str(signed))
    assert code == 0, err
    assert _states(home, ids) == ["signed"] * 3
