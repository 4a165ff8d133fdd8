"""What the own-key signing tests of the flow share (issue 15): a home whose consultant and
officer sign with their own keys, docflow holding neither, and a person signing a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docflow.config import Home
from docflow.pki import Pki, SignerHandle
from docflow.pki._keys import load_pkcs12
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OFFICER_IIN, make_test_pki
from docflow.sign import detached_cms
from docflow.signreq import SignRequests, SubmitResult, home_services, home_trust
from tests.workflow.workflow_builders import set_up_chamber

PASSPHRASE = "her-own-key-passphrase"  # the throw-away test keys' passphrase


@dataclass
class OwnHome:
    home: Home
    pki: Pki
    consultant_key: Path
    officer_key: Path
    consultant: SignerHandle
    officer: SignerHandle


def own_home(
    home: Home, keys: Path, *, auto_countersign: bool = True, monkeypatch: object = None
) -> OwnHome:
    """A demo PKI where the consultant got her PKCS#12 (``pki enroll --out``) and the officer's
    key was taken out of the home: ``[signing] consultant = officer = "own"``."""
    import os

    pki = make_test_pki(home, consultant=False)
    keys.mkdir(parents=True, exist_ok=True)
    consultant_key = keys / "consultant.p12"
    os.environ["DOCFLOW_KEY_PASSPHRASE"] = PASSPHRASE
    try:
        pki.enroll(CONSULTANT_IIN, CONSULTANT_NAME, "consultant", out=consultant_key)
    finally:
        del os.environ["DOCFLOW_KEY_PASSPHRASE"]
    # Issue 13: the chamber registered, its roster with the consultant, the officer its officer.
    set_up_chamber(home, [(CONSULTANT_IIN, CONSULTANT_NAME)])
    officer = pki.find(role="officer")
    officer_key = keys / "officer.p12"
    officer_signer = pki.signer_for(role="officer")
    officer.p12_path.rename(officer_key)  # from now on, only the officer has it
    if officer.passphrase_path is not None and officer.passphrase_path.exists():
        officer.passphrase_path.rename(keys / "officer.passphrase")
    consultant = load_pkcs12(consultant_key, PASSPHRASE.encode(), chain=pki.chain())
    toml = home.root / "docflow.toml"
    before = toml.read_text(encoding="utf-8") if toml.exists() else ""
    top = "" if auto_countersign else "auto_countersign = false\n"
    toml.write_text(
        top + before + '\n[signing]\nconsultant = "own"\nofficer = "own"\nrequest_days = 14\n',
        encoding="utf-8",
    )
    return OwnHome(home, pki, consultant_key, officer_key, consultant, officer_signer)


def key_files_of(home: Home, iin: str) -> list[Path]:
    """Every key file under the home that holds ``iin``'s private key (PKCS#12 by name)."""
    return [p for p in home.root.rglob("*") if p.suffix in (".p12", ".pfx") and iin in p.name]


def assert_no_held_keys(home: Home) -> None:
    """In own mode docflow holds no private key of the consultant or the officer."""
    for iin in (CONSULTANT_IIN, OFFICER_IIN):
        assert key_files_of(home, iin) == [], iin
    # The demo PKI's own keys (its CAs, TSA, OCSP responder) and the archive's witness key (an
    # HMAC key of the archive itself, issue 19) are the only ones left.
    held = sorted(p.name for p in home.root.rglob("*") if p.suffix in (".p12", ".pfx", ".key"))
    assert set(held) <= {
        "archive-witness.key", "issuing-ca.p12", "ocsp.p12", "root-ca.p12", "tsa.p12"
    }, held  # fmt: skip
    assert {"issuing-ca.p12", "root-ca.p12"} <= set(held), held


def sign_request(home: Home, request_id: str, who: SignerHandle) -> SubmitResult:
    """The person signs the request's bytes (as NCALayer or sign-package would) and the
    answer is submitted as the web page / API / CLI submit it."""
    store = SignRequests(home)
    try:
        data = store.prepared(request_id).signed_bytes()
        cms = detached_cms(who.signer, data, signing_time=datetime.now(UTC).replace(microsecond=0))
        with home_services(home) as endpoints:
            return store.submit(request_id, cms, trust=home_trust(home), services=endpoints)
    finally:
        store.close()


def open_requests(home: Home, iin: str | None = None) -> list[object]:
    store = SignRequests(home)
    try:
        return list(store.list(iin=iin))
    finally:
        store.close()
