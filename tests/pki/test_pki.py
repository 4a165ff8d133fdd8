"""The demo PKI: files, demo marking, enrolment, revocation and key loading."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from docflow.config import Home
from docflow.errors import NotEnrolled, PkiError
from docflow.pki import DEMO_ORGANIZATION, PASSPHRASE_ENV, Pki, load_pkcs12
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, OTHER_IIN


def _digest_tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_init_is_idempotent(home: Home) -> None:
    pki = Pki(home, key_size=2048)
    assert pki.init(port=18999) is True
    before = _digest_tree(home.certs)
    assert pki.init(port=18999) is False
    assert Pki(home).init() is False
    assert _digest_tree(home.certs) == before


def test_private_files_are_0600_and_encrypted(pki: Pki, home: Home) -> None:
    secrets = [p for p in home.certs.rglob("*") if p.suffix in (".p12", ".pass")]
    secrets.append(home.certs / "pki-passphrase")
    assert len(secrets) >= 8  # 4 CA/service keys, 2 people (key + passphrase each)
    for path in secrets:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for p12 in home.certs.rglob("*.p12"):
        with pytest.raises(PkiError):
            load_pkcs12(p12, b"not the passphrase")
    # no PEM private key lies around anywhere
    for path in home.certs.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def test_every_certificate_says_demo(pki: Pki, home: Home) -> None:
    pems = list(home.certs.rglob("*.pem"))
    assert len(pems) == 6  # root, issuing, TSA, OCSP, officer, consultant
    for pem in pems:
        cert = x509.load_pem_x509_certificate(pem.read_bytes())
        org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        assert org == DEMO_ORGANIZATION and "DEMO" in org and "not for real use" in org


def test_urls_in_certificates_point_to_the_services(pki: Pki, home: Home) -> None:
    cert = x509.load_pem_x509_certificate(pki.find(iin=CONSULTANT_IIN).cert_path.read_bytes())
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    ocsp = [
        d.access_location.value
        for d in aia
        if d.access_method == x509.AuthorityInformationAccessOID.OCSP
    ]
    assert ocsp == [f"{pki.base_url}/ocsp"]
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value == f"{pki.base_url}/crl/issuing-ca.crl"
    assert pki.base_url.startswith("http://127.0.0.1:")


def test_enroll_subject_carries_role_and_iin(pki: Pki) -> None:
    e = pki.enroll(OTHER_IIN, "Әбдіхалықов Нұрсұлтан", "issuer")
    cert = x509.load_pem_x509_certificate(e.cert_path.read_bytes())
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "issuer"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == f"IIN{OTHER_IIN}"
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Әбдіхалықов Нұрсұлтан"
    issuing = x509.load_pem_x509_certificate(pki.issuing_cert_path.read_bytes())
    cert.verify_directly_issued_by(issuing)
    # idempotent per IIN and role
    assert pki.enroll(OTHER_IIN, "Әбдіхалықов Нұрсұлтан", "issuer").serial == e.serial
    handle = pki.signer_for(iin=OTHER_IIN)
    assert (handle.name, handle.role, handle.iin) == ("Әбдіхалықов Нұрсұлтан", "issuer", OTHER_IIN)


def test_enroll_refuses_bad_input(pki: Pki) -> None:
    with pytest.raises(PkiError):
        pki.enroll("900415400128", "Bad Checksum", "consultant")  # R: IIN checksum
    with pytest.raises(PkiError):
        pki.enroll("12345", "Too Short", "consultant")
    with pytest.raises(PkiError):
        pki.enroll(OTHER_IIN, "Someone", "janitor")


def test_passphrase_from_environment_is_not_stored(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    e = pki.enroll(OTHER_IIN, "Env Person", "chair")
    assert e.passphrase_path is None
    assert not list(e.p12_path.parent.glob(f"{OTHER_IIN}-chair-*.pass"))
    assert pki.signer_for(iin=OTHER_IIN).role == "chair"
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(PkiError):
        load_pkcs12(e.p12_path, b"wrong")


def test_signer_is_loaded_once_per_process(pki: Pki) -> None:
    first = pki.signer_for(role="officer")
    started = time.perf_counter()
    second = pki.signer_for(iin=OFFICER_IIN)
    elapsed = time.perf_counter() - started
    assert second is first
    assert elapsed < 0.02  # a fresh RSA load costs ~40 ms


def test_signer_for_unknown_person(pki: Pki) -> None:
    with pytest.raises(NotEnrolled):
        pki.signer_for(iin=OTHER_IIN)
    pki.revoke(CONSULTANT_IIN, "key_compromise")
    with pytest.raises(NotEnrolled):
        pki.signer_for(iin=CONSULTANT_IIN)


def test_legacy_rc2_40_pkcs12_loads(pki: Pki, tmp_path: Path) -> None:
    """National-CA style PKCS#12 (RC2-40, made by `openssl pkcs12 -export -legacy`) loads."""
    import subprocess

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

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
    cert_pem = tmp_path / "cert.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    legacy = tmp_path / "legacy.p12"
    env = {**os.environ, "P12PASS": "legacy-secret"}  # never on the command line
    subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-legacy",
            "-inkey",
            str(key_pem),
            "-in",
            str(cert_pem),
            "-out",
            str(legacy),
            "-passout",
            "env:P12PASS",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    info = subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-info",
            "-legacy",
            "-noout",
            "-in",
            str(legacy),
            "-passin",
            "env:P12PASS",
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "RC2-40" in info.stderr + info.stdout or "40BitRC2" in info.stderr + info.stdout
    handle = load_pkcs12(legacy, b"legacy-secret")
    assert handle.iin == CONSULTANT_IIN
    signature = handle.signer.sign_raw(b"hello", "sha256")  # type: ignore[attr-defined]
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(signature, b"hello", padding.PKCS1v15(), hashes.SHA256())


def test_half_made_pki_is_made_again(home: Home) -> None:
    pki = Pki(home, key_size=2048)
    pki.init(port=18998)
    registry = pki.registry_path.read_text(encoding="utf-8")
    pki.registry_path.write_text(registry.replace('"complete": true', '"complete": false'))
    assert not pki.exists()
    old_root = pki.root_cert_path.read_bytes()
    assert pki.init(port=18998) is True
    assert pki.exists() and pki.root_cert_path.read_bytes() != old_root


def test_enrolments_follow_changes_made_by_another_process(pki: Pki) -> None:
    """A signing process's Pki keeps what it read of the registry only while the file is
    unchanged: an enrolment or revocation made through another Pki (another process) is
    seen at once, and an unchanged registry is not parsed again."""
    worker = Pki(pki.root)
    assert worker.find(iin=CONSULTANT_IIN).live
    assert worker.enrolments() == worker.enrolments()
    Pki(pki.root).revoke(CONSULTANT_IIN, "key_compromise")
    with pytest.raises(NotEnrolled):
        worker.find(iin=CONSULTANT_IIN)
    Pki(pki.root).enroll(OTHER_IIN, "Басқа Адам", "consultant")
    assert worker.find(iin=OTHER_IIN).name == "Басқа Адам"
    read = worker._read
    assert read is not None and list(read[1]) == worker.enrolments()
    assert worker._read is read  # unchanged file: the same reading, not parsed again
