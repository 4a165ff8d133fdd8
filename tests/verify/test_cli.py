"""``docflow verify`` as users run it: the home's CA as anchor, exit codes 0/1/2, a table or the
contract's JSON, messages on stderr, offline with the trust services stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home
from docflow.pki import TrustServices
from docflow.pki.testing import make_test_pki

from .conftest import SigningKit, blank_pdf

pytestmark = pytest.mark.slow


def _run(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--home", str(home), "verify", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_valid_with_home_ca_as_anchor(kit: SigningKit, signed_twice_file: Path) -> None:
    code, out, _ = _run(kit.home.root, str(signed_twice_file))
    assert code == 0, out
    assert "verdict: VALID" in out
    assert "consultant" in out and "officer" in out and "timestamp" in out


def test_json_output(kit: SigningKit, signed_twice_file: Path) -> None:
    code, out, _ = _run(kit.home.root, "--json", str(signed_twice_file))
    doc = json.loads(out)
    assert code == 0
    assert doc["verdict"] == "valid"
    assert doc["file"] == signed_twice_file.name
    assert [s["role"] for s in doc["signatures"]] == ["consultant", "officer", "timestamp"]
    assert "archive" not in doc  # this home holds no archive


def test_other_home_does_not_trust_it(tmp_path: Path, signed_twice_file: Path) -> None:
    code, out, _ = _run(tmp_path, "--json", str(signed_twice_file))
    assert code == 1
    assert json.loads(out)["verdict"] == "indeterminate"


def test_trust_root_option(kit: SigningKit, tmp_path: Path, signed_twice_file: Path) -> None:
    code, _, _ = _run(tmp_path, "--trust-root", str(kit.pki.root_cert_path), str(signed_twice_file))
    assert code == 0


def test_unsigned_is_exit_1(kit: SigningKit, tmp_path: Path) -> None:
    path = tmp_path / "plain.pdf"
    path.write_bytes(blank_pdf())
    code, out, _ = _run(kit.home.root, str(path))
    assert code == 1
    assert "the document is not signed" in out


def test_tampered_is_exit_1(kit: SigningKit, signed_twice: bytes, tmp_path: Path) -> None:
    path = tmp_path / "tampered.pdf"
    path.write_bytes(signed_twice.replace(b"CPD report 2025", b"CPD report 2026", 1))
    code, out, _ = _run(kit.home.root, "--json", str(path))
    assert code == 1
    assert json.loads(out)["verdict"] == "invalid"


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"%PDF-1.7\ntruncated"])
def test_unreadable_is_exit_2_with_message(kit: SigningKit, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    code, out, err = _run(kit.home.root, str(path))
    assert code == 2
    assert out == ""
    assert "broken.pdf: not a readable PDF" in err


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, str(tmp_path / "nope.pdf"))
    assert code == 2
    assert "cannot read" in err


def test_bad_time_is_rejected(kit: SigningKit, signed_twice_file: Path) -> None:
    code, _, err = _run(kit.home.root, "--at", "next tuesday", str(signed_twice_file))
    assert code == 2  # click's usage error
    assert "ISO 8601" in err


def test_valid_offline_with_services_stopped(tmp_path: Path) -> None:
    """Done-when of issue 4: the B-LTA file validates with the TSA and OCSP down."""
    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home)
    with TrustServices(home) as services:
        signed = SigningKit(home, pki, services).sign_both()
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    code, out, _ = _run(home.root, "--json", str(path))
    doc = json.loads(out)
    assert code == 0, doc
    assert {s["revocation"] for s in doc["signatures"]} == {"good"}


def test_archive_section_when_home_has_an_archive(
    kit: SigningKit, tmp_path: Path, signed_twice_file: Path
) -> None:
    from docflow.archive import Archive

    home = Home(tmp_path / "with-archive").ensure()
    Archive(home).close()  # an empty archive: these bytes were not issued by this home
    code, out, _ = _run(
        home.root, "--json", "--trust-root", str(kit.pki.root_cert_path), str(signed_twice_file)
    )
    assert code == 0
    assert json.loads(out)["archive"] == {"registered": False, "record": None}


def test_home_anchors_are_only_the_self_signed_root(kit: SigningKit) -> None:
    from docflow.verify import home_ca_certificates

    anchors, intermediates = home_ca_certificates(kit.home.certs)
    assert [a.subject.native["common_name"] for a in anchors] == ["docflow DEMO Root CA"]
    assert "docflow DEMO Issuing CA" in [i.subject.native["common_name"] for i in intermediates]


def test_several_files_the_worst_decides(
    kit: SigningKit, tmp_path: Path, signed_twice_file: Path
) -> None:
    # The README's `docflow verify demo-home/outbox/2025/*/cpd-report/*.pdf`: a shell glob.
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(blank_pdf())
    code, out, _ = _run(kit.home.root, str(signed_twice_file), str(signed_twice_file))
    assert code == 0 and out.count("verdict: VALID") == 2
    code, out, _ = _run(kit.home.root, str(signed_twice_file), str(plain))
    assert code == 1 and f"== {plain}" in out
    code, out, _ = _run(kit.home.root, "--json", str(signed_twice_file), str(plain))
    assert code == 1 and [d["verdict"] for d in json.loads(out)] == ["valid", "invalid"]
    code, _, err = _run(kit.home.root, str(signed_twice_file), str(tmp_path / "missing.pdf"))
    assert code == 2 and "cannot read" in err
