"""Signing requests signed offline (issue 15, way 2): export → ``sign-package`` with the
person's own PKCS#12 or a PKCS#11 token, with no docflow home → ``sign-requests complete``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from docflow.cli import main
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec
from docflow.signreq import SignRequests
from docflow.verify import verify_pdf

OWN_IIN = "750505400007"
OWN_NAME = "Own Key Person DEMO"
PASSPHRASE = "own-key-test-passphrase"  # a throw-away test key's passphrase
SOFTHSM_LIB = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    make_test_pki(root)
    return root


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _request(home: Path, iin: str, name: str) -> str:
    store = SignRequests(home)
    try:
        record = store.create(
            pdf_with_fields(),
            SignSpec("consultant", role="consultant"),
            document="report-2025-test",
            expected_iin=iin,
            signer_name=name,
        )
    finally:
        store.close()
    return record.id


def test_enrolled_key_file_goes_to_the_person_only(home: Path, tmp_path: Path) -> None:
    key = tmp_path / "mine.p12"
    code, out, _ = _cli(
        "--home", str(home), "pki", "enroll", "--iin", OWN_IIN, "--name", OWN_NAME,
        "--out", str(key), env={"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    assert code == 0, out
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
    pki = Pki(home)
    e = pki.find(iin=OWN_IIN)
    assert not e.p12_path.exists() and e.passphrase_path is None  # docflow keeps no key
    assert e.cert_path.exists()
    assert not list((home / "certs" / "people").glob(f"{OWN_IIN}-*.p12"))
    with pytest.raises(Exception, match="own key"):
        pki.signer_for(iin=OWN_IIN)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("kk", "бұл кілт ЖСН 750505400007 иесінікі"), ("ru", "ключ принадлежит ИИН 750505400007")],
)
def test_sign_package_refuses_another_persons_request_in_the_signers_language(
    home: Path, tmp_path: Path, lang: str, said: str
) -> None:
    """On her own machine, with her key, a package meant for someone else is not signed, and
    she is told so in her language (no home there: --lang, DOCFLOW_LANG or the system's)."""
    key = tmp_path / "mine.p12"
    env = {"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE}
    assert _cli("--home", str(home), "pki", "enroll", "--iin", OWN_IIN, "--name", OWN_NAME,
                "--out", str(key), env=env)[0] == 0  # fmt: skip
    request_id = _request(home, CONSULTANT_IIN, "Somebody Else DEMO")
    package = tmp_path / "request.zip"
    assert (
        _cli("--home", str(home), "sign-requests", "export", request_id, "-o", str(package))[0] == 0
    )
    signed = tmp_path / "signed.zip"
    result = CliRunner().invoke(
        main,
        ["--home", str(tmp_path / "no-home"), "--lang", lang, "sign-package", str(package),
         "--p12", str(key), "-o", str(signed)],
        env=env,
    )  # fmt: skip
    assert result.exit_code != 0 and not signed.exists()
    assert said in result.output + str(result.exception), result.output


def test_offline_p12_signature_completes_the_request(home: Path, tmp_path: Path) -> None:
    key = tmp_path / "mine.p12"
    env = {"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE}
    assert _cli("--home", str(home), "pki", "enroll", "--iin", OWN_IIN, "--name", OWN_NAME,
                "--out", str(key), env=env)[0] == 0  # fmt: skip
    request_id = _request(home, OWN_IIN, OWN_NAME)

    code, out, _ = _cli("--home", str(home), "sign-requests", "list", "--iin", OWN_IIN, "--json")
    listed = json.loads(out)
    assert code == 0 and [r["id"] for r in listed] == [request_id]
    assert listed[0]["state"] == "open" and listed[0]["field"] == "consultant"

    package = tmp_path / "request.zip"
    assert (
        _cli("--home", str(home), "sign-requests", "export", request_id, "-o", str(package))[0] == 0
    )

    # on the signer's machine: no docflow home at all
    nowhere = tmp_path / "no-home"
    signed = tmp_path / "signed.zip"
    code, out, _ = _cli("--home", str(nowhere), "sign-package", str(package), "--p12", str(key),
                        "-o", str(signed), env=env)  # fmt: skip
    assert code == 0, out
    assert not nowhere.exists()

    code, out, err = _cli("--home", str(home), "sign-requests", "complete", request_id, str(signed))
    assert code == 0, err
    store = SignRequests(home)
    try:
        assert store.get(request_id).state == "signed"
        pdf = store.signed_pdf(request_id)
    finally:
        store.close()
    report = verify_pdf(pdf, trust_roots=Pki(home).trust_roots())
    # issue 19: the consultant's signature is valid; the report still awaits the officer's
    assert report.valid_so_far and report.awaiting == ("officer",), report.to_json()
    assert report.signatures[0].iin == OWN_IIN
    # a second answer for a signed request is not taken
    again = CliRunner().invoke(
        main, ["--home", str(home), "sign-requests", "complete", request_id, str(signed)]
    )
    assert again.exit_code != 0 and "signed" in str(again.exception)


def test_offline_signature_by_another_person_is_refused_and_request_stays_open(
    home: Path, tmp_path: Path
) -> None:
    request_id = _request(home, OWN_IIN, OWN_NAME)
    package = tmp_path / "request.json"
    assert (
        _cli("--home", str(home), "sign-requests", "export", request_id, "-o", str(package))[0] == 0
    )
    # the consultant's demo key signs a request meant for someone else: sign-package refuses,
    # and a CMS made anyway is refused by complete with its reason
    e = Pki(home).find(iin=CONSULTANT_IIN)
    assert e.passphrase_path is not None
    env = {"DOCFLOW_KEY_PASSPHRASE": e.passphrase_path.read_text().strip()}
    result = CliRunner().invoke(
        main, ["sign-package", str(package), "--p12", str(e.p12_path), "-o", str(tmp_path / "x")],
        env=env,
    )  # fmt: skip
    assert result.exit_code != 0 and "750505400007" in str(result.exception)

    from docflow.signreq import read_package, sign_package

    signer = Pki(home).signer_for(iin=CONSULTANT_IIN)
    answer = sign_package(read_package(package.read_bytes()), signer.signer, as_zip=False)
    (tmp_path / "answer.json").write_bytes(answer)
    for lang, said in (("kk", "Қол қойған адам күтілген адам емес"),
                       ("ru", "Подписал не тот человек")):  # fmt: skip
        code, _, err = _cli("--home", str(home), "--lang", lang, "sign-requests", "complete",
                            request_id, str(tmp_path / "answer.json"))  # fmt: skip
        assert code == 1 and said in err, err
    store = SignRequests(home)
    try:
        record = store.get(request_id)
    finally:
        store.close()
    assert record.state == "open"
    assert record.last_refusal and record.last_refusal[0]["code"] == "wrong_person"


@pytest.mark.slow
def test_offline_pkcs11_token_signature_completes(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "mine.p12"
    env = {"DOCFLOW_KEY_PASSPHRASE": PASSPHRASE}
    assert _cli("--home", str(home), "pki", "enroll", "--iin", OWN_IIN, "--name", OWN_NAME,
                "--out", str(key), env=env)[0] == 0  # fmt: skip
    # put the person's key on a SoftHSM2 token, as tests/pki/test_pkcs11.py does
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
        pem = serialization.Encoding.PEM
        pkcs8 = serialization.PrivateFormat.PKCS8
        fh.write(private.private_bytes(pem, pkcs8, serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", "own",
                    "--label", "signer", "--id", "01", "--pin", pin],
                   **run)  # type: ignore[call-overload]  # fmt: skip
    key_pem.unlink()
    cert_der = tmp_path / "cert.der"
    cert_der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    subprocess.run(["pkcs11-tool", "--module", SOFTHSM_LIB, "--token-label", "own", "--login",
                    "--pin", pin, "--write-object", str(cert_der), "--type", "cert", "--id", "01",
                    "--label", "signer"], **run)  # type: ignore[call-overload]  # fmt: skip

    request_id = _request(home, OWN_IIN, OWN_NAME)
    package = tmp_path / "request.zip"
    assert (
        _cli("--home", str(home), "sign-requests", "export", request_id, "-o", str(package))[0] == 0
    )
    signed = tmp_path / "signed.zip"
    # On the signer's own machine: a process of its own, as a person runs it (in this test
    # process the PKCS#11 library may already be initialised with another SoftHSM2 config).
    done = subprocess.run(
        [str(Path(sys.executable).parent / "docflow"), "sign-package", str(package),
         "--pkcs11-lib", SOFTHSM_LIB, "--token-label", "own", "--key-label", "signer",
         "-o", str(signed)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "DOCFLOW_PKCS11_PIN": pin},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    code, _, err = _cli("--home", str(home), "sign-requests", "complete", request_id, str(signed))
    assert code == 0, err


def test_signing_modes_per_role_from_docflow_toml(tmp_path: Path) -> None:
    from docflow.config import Home
    from docflow.errors import ConfigError
    from docflow.signreq import signing_modes

    home = Home(tmp_path)
    assert signing_modes(home).mode("consultant") == "held"  # the demo runs alone
    (tmp_path / "docflow.toml").write_text(
        '[signing]\nconsultant = "own"\nofficer = "own"\nrequest_days = 7\n', encoding="utf-8"
    )
    modes = signing_modes(home)
    assert modes.own("consultant") and modes.own("officer") and not modes.own("issuer")
    assert modes.request_days == 7
    (tmp_path / "docflow.toml").write_text('[signing]\nchair = "mine"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="chair"):
        signing_modes(home)


def test_login_nonce_is_used_once(home: Path) -> None:
    store = SignRequests(home)
    try:
        nonce = store.new_login_nonce()
        assert store.use_login_nonce(nonce)
        assert not store.use_login_nonce(nonce)  # a replayed login signature is refused
        assert not store.use_login_nonce("bm90IG91cnM=")
    finally:
        store.close()


def test_waiting_summary_flags_overdue_requests(home: Path) -> None:
    from datetime import UTC, datetime, timedelta

    store = SignRequests(home)
    try:
        old = datetime.now(UTC) - timedelta(days=20)
        for now in (old, None):
            store.create(
                pdf_with_fields(),
                SignSpec("consultant", role="consultant"),
                document="report",
                expected_iin=OWN_IIN,
                signer_name=OWN_NAME,
                days=30,
                now=now,
            )
        (waiting,) = store.waiting(request_days=14)
    finally:
        store.close()
    assert waiting.iin == OWN_IIN and waiting.count == 2 and waiting.overdue == 1
    code, out, _ = _cli("--home", str(home), "sign-requests", "waiting", "--json")
    assert code == 0 and json.loads(out)[0]["overdue"] == 1


@pytest.mark.parametrize(
    ("lang", "words", "foreign"),
    [
        ("kk", ["ашық", "консультант", "ЖСН", "дейін", "ЕСКЕРТУ", "МЕРЗІМІ ӨТКЕН 1"],
         ["открыт", "until", "REMIND", "OVERDUE", " / "]),
        ("ru", ["открыт", "консультант", "ИИН", "до 20", "НАПОМНИТЬ", "ПРОСРОЧЕНО 1"],
         ["ашық", "until", "REMIND", "OVERDUE", " / "]),
    ],
)  # fmt: skip
def test_sign_requests_list_and_waiting_in_the_readers_language(
    home: Path, lang: str, words: list[str], foreign: list[str]
) -> None:
    """What a signer or officer reads of the requests is one language, not three at once."""
    from datetime import UTC, datetime, timedelta

    store = SignRequests(home)
    try:
        store.create(
            pdf_with_fields(), SignSpec("consultant", role="consultant"), document="report",
            expected_iin=OWN_IIN, signer_name=OWN_NAME, days=30,
            now=datetime.now(UTC) - timedelta(days=20),
        )  # fmt: skip
    finally:
        store.close()
    code, listed, _ = _cli("--home", str(home), "--lang", lang, "sign-requests", "list")
    assert code == 0, listed
    code, waiting, _ = _cli("--home", str(home), "--lang", lang, "sign-requests", "waiting")
    assert code == 0, waiting
    shown = listed + waiting
    for word in words:
        assert word in shown, (word, shown)
    for word in foreign:
        assert word not in shown, (word, shown)


def test_users_token_and_iin_commands(home: Path) -> None:
    env = {"DOCFLOW_PASSWORD": "a-long-test-password"}
    code, out, _ = _cli("--home", str(home), "users", "add", "--name", "asel",
                        "--role", "archivist", env=env)  # fmt: skip
    assert code == 0, out
    code, out, _ = _cli("--home", str(home), "users", "token", "asel")
    token = out.strip()
    assert code == 0 and token.startswith("dft_")
    assert _cli("--home", str(home), "users", "iin", "asel", OWN_IIN)[0] == 0
    store = SignRequests(home)
    try:
        assert store.token_user(token) == "asel"
        assert store.token_user(token + "x") is None
        assert store.user_iin("asel") == OWN_IIN
        assert token not in (home / ".docflow" / "sign-requests.sqlite").read_bytes().decode(
            "latin-1"
        )  # only its digest is kept
    finally:
        store.close()
    nobody = CliRunner().invoke(main, ["--home", str(home), "users", "token", "nobody"])
    assert nobody.exit_code != 0
