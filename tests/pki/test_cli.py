"""``docflow pki …`` and ``docflow sign`` through the real command line entry point."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyhanko.pdf_utils.reader import PdfFileReader

from docflow.cli import main
from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, free_port, pdf_with_fields


@pytest.mark.slow
def test_pki_commands_and_sign(home: Home, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--home", str(home.root)]
    port = str(free_port())
    first = runner.invoke(main, [*base, "pki", "init", "--port", port])
    assert first.exit_code == 0, first.output
    assert "made" in first.output and "DEMO" in first.output
    again = runner.invoke(main, [*base, "pki", "init"])
    assert again.exit_code == 0 and "already present" in again.output
    enrolled = runner.invoke(
        main,
        [*base, "pki", "enroll", "--iin", CONSULTANT_IIN, "--name", "Сейітқали Әсел"],
    )
    assert enrolled.exit_code == 0, enrolled.output
    assert json.loads(Pki(home).registry_path.read_text())["base_url"].endswith(f":{port}")

    unsigned = tmp_path / "report.pdf"
    unsigned.write_bytes(pdf_with_fields())
    half, full = tmp_path / "half.pdf", tmp_path / "full.pdf"
    signed = runner.invoke(
        main,
        [
            *base,
            "sign",
            str(unsigned),
            "--field",
            "consultant",
            "--iin",
            CONSULTANT_IIN,
            "-o",
            str(half),
        ],
    )
    assert signed.exit_code == 0, signed.output
    signed = runner.invoke(
        main,
        [
            *base,
            "sign",
            str(half),
            "--field",
            "officer",
            "--role",
            "officer",
            "--lock",
            "--lta",
            "--locale",
            "ru",
            "-o",
            str(full),
        ],
    )
    assert signed.exit_code == 0, signed.output
    reader = PdfFileReader(BytesIO(full.read_bytes()))
    assert [s.field_name for s in reader.embedded_regular_signatures] == ["consultant", "officer"]
    assert reader.embedded_signatures[-1].sig_object_type == "/DocTimeStamp"

    revoked = runner.invoke(
        main, [*base, "pki", "revoke", "--iin", CONSULTANT_IIN, "--reason", "key_compromise"]
    )
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    refused = runner.invoke(
        main,
        [
            *base,
            "sign",
            str(unsigned),
            "--field",
            "consultant",
            "--iin",
            CONSULTANT_IIN,
            "-o",
            str(tmp_path / "x.pdf"),
        ],
    )
    assert refused.exit_code != 0 and not (tmp_path / "x.pdf").exists()
