"""``docflow archive …`` through the real click command (contract exit codes and JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
from click.testing import CliRunner

from docflow.archive import Archive
from docflow.cli import main
from docflow.config import Home


def invoke(home: Home, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--home", str(home.root), "archive", *args])
    return result.exit_code, result.output


def test_search_json_has_the_contract_fields(filled: Archive, home: Home) -> None:
    code, out = invoke(home, "search", "--name", "НҰРЛАНҚЫЗЫ 2", "--json")
    assert code == 0
    [record] = json.loads(out)
    for key in ("id", "kind", "outcome", "full_name", "iin", "year", "chamber", "version",
                "sha256", "archived_at"):  # fmt: skip
        assert key in record
    assert record["id"] == "R-2025-0002" and record["year"] == 2025
    code, out = invoke(home, "search", "--year", "2025", "--kind", "cpd-report", "--json")
    assert len(json.loads(out)) == 5
    code, out = invoke(home, "search", "--iin", "900415400004")
    assert code == 0 and "R-2025-0004" in out and "R-2025-0003" not in out
    code, out = invoke(home, "search", "--outcome", "exempt")
    assert code == 0 and "No archived record" in out


def test_get_writes_the_pdf_and_exit_1_for_unknown(
    filled: Archive, home: Home, tmp_path: Path
) -> None:
    target = tmp_path / "copy.pdf"
    code, _ = invoke(home, "get", "R-2025-0001", "-o", str(target))
    assert code == 0
    assert target.read_bytes() == filled.pdf_bytes("R-2025-0001")
    code, out = invoke(home, "get", "R-404", "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "R-404" in out and not (tmp_path / "x.pdf").exists()


def test_show_json_has_events_log_and_versions(filled: Archive, home: Home) -> None:
    from archive_helpers import make_pdf, make_record

    filled.store(
        make_record(1, version=2, previous="R-2025-0001", input_sha256="b" * 64),
        make_pdf(1, "v2"),
        record_id="R-2025-0001-v2",
    )
    code, out = invoke(home, "show", "R-2025-0001-v2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["record"]["id"] == "R-2025-0001-v2"
    assert [e["type"] for e in data["events"]] == ["received", "archived"]
    assert [e["event"] for e in data["log"]] == ["stored"]
    assert [v["id"] for v in data["versions"]] == ["R-2025-0001", "R-2025-0001-v2"]
    code, out = invoke(home, "show", "R-2025-0001-v2")
    assert code == 0 and "versions:" in out and "received" in out
    assert invoke(home, "show", "nope")[0] == 1


def test_audit_exit_codes_and_named_problem(filled: Archive, home: Home) -> None:
    code, out = invoke(home, "audit", "--no-signatures")
    assert code == 0, out
    assert "Archive intact: 5 record(s)" in out
    path = filled.get("R-2025-0002").pdf_path
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x20
    path.write_bytes(bytes(data))
    code, out = invoke(home, "audit", "--no-signatures", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert [(p["record"], p["path"]) for p in report["problems"]] == [
        ("R-2025-0002", path.relative_to(home.root).as_posix())
    ]


def test_audit_reverifies_signatures_with_docflow_verify(filled: Archive, home: Home) -> None:
    # Our test PDFs are unsigned: docflow.verify calls them invalid, and the audit must say so.
    code, out = invoke(home, "audit", "--json")
    report = json.loads(out)
    assert code == 1 and report["signatures_checked"] is True
    assert len(report["problems"]) == 5
    assert all("signatures do not verify" in p["message"] for p in report["problems"])


def test_export_command_writes_a_valid_bag(filled: Archive, home: Home, tmp_path: Path) -> None:
    code, out = invoke(home, "export", str(tmp_path / "bag"))
    assert code == 0, out
    bagit.Bag(str(tmp_path / "bag")).validate()


def test_recover_command(home: Home) -> None:
    Archive(home).close()
    code, out = invoke(home, "recover")
    assert code == 0 and "Nothing to recover" in out
