"""``docflow verify`` recognises a docflow certificate: serial, participant (IIN masked),
event, whether the archive knows it, and a revoked one is not valid any more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.cli import main

from .conftest import batch, make_iins, new_home, yaml_bytes

pytestmark = pytest.mark.slow


def docflow(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--home", str(home), *args])
    return result.exit_code, result.stdout


def test_verify_names_the_certificate_and_refuses_a_revoked_one(tmp_path: Path) -> None:
    home, _ = new_home(tmp_path / "home")
    people = [{"full_name": f"Қатысушы {i}", "iin": iin} for i, iin in
              enumerate(make_iins(2, born="910101"))]  # fmt: skip
    source = tmp_path / "seminar.yaml"
    source.write_bytes(yaml_bytes(batch("kk", people, title="Семинар: медиация", on="2025-05-20")))
    code, _ = docflow(home.root, "certificates", "issue", str(source), "--today", "2025-05-21")
    assert code == 0
    with Archive(home, recover=False) as archive:
        records = archive.search(kind="certificate")
        pdfs = {r["serial"]: archive.get(r["id"]).pdf_path for r in records}
    assert len(pdfs) == 2
    serial, pdf = sorted(pdfs.items())[0]

    code, out = docflow(home.root, "verify", str(pdf), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "valid"
    cert = doc["certificate"]
    assert cert["serial"] == serial and cert["known"] and cert["matches_archive"]
    assert cert["participant"]["iin"] != people[0]["iin"] and "*" in cert["participant"]["iin"]
    assert cert["event"]["title"] == "Семинар: медиация" and cert["revoked"] is False

    code, out = docflow(home.root, "verify", str(pdf))
    assert code == 0 and f"certificate   {serial}" in out

    code, _ = docflow(home.root, "certificates", "revoke", serial, "--reason", "issued in error")
    assert code == 0
    code, out = docflow(home.root, "verify", str(pdf))
    assert code == 1
    assert "REVOKED" in out and "issued in error" in out
    code, out = docflow(home.root, "verify", str(pdf), "--json")
    assert code == 1 and json.loads(out)["verdict"] == "invalid"
