"""R-5.4: the Collegium approves the certificate forms; docflow issues only approved ones."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from docflow.bodies import ChamberRegistry
from docflow.certificates import (
    approved_form,
    load_register,
    require_approved,
)
from docflow.cli import main
from docflow.config import DEFAULT_TEMPLATES, Home
from docflow.errors import TemplateNotApproved
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OTHER_IIN, make_test_pki

from .conftest import issue_here

ISSUE_DAY = date(2025, 6, 2)


def test_R_5_4_the_packaged_certificate_forms_are_in_the_register() -> None:
    register = load_register()
    for locale in ("kk", "ru"):
        data = (DEFAULT_TEMPLATES / f"certificate_{locale}.docx").read_bytes()
        form = approved_form(hashlib.sha256(data).hexdigest(), register)
        assert form is not None, (
            f"certificate_{locale}.docx changed: a new form must be approved (R-5.4); update "
            "docflow/data/certificate_forms.yaml with the Collegium's decision"
        )
        assert form.sample  # no Collegium decision yet: the record says so


def test_R_5_4_a_template_not_in_the_register_is_refused() -> None:
    with pytest.raises(TemplateNotApproved, match=r"R-5\.4"):
        require_approved(b"an edited template", load_register(), name="certificate_ru.docx")


def test_R_5_4_approve_template_records_the_decision(tmp_path: Path) -> None:
    home = Home(tmp_path).ensure()
    template = tmp_path / "certificate_ru.docx"
    template.write_bytes(b"a chamber's own form")
    with pytest.raises(TemplateNotApproved):
        require_approved(template.read_bytes(), load_register(home))
    result = CliRunner().invoke(
        main,
        ["--home", str(tmp_path), "certificates", "approve-template", str(template),
         "--decision", "12", "--date", "2026-03-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    form = require_approved(template.read_bytes(), load_register(home))
    assert (form.decision, form.date, form.sample) == ("12", date(2026, 3, 1), False)
    listed = CliRunner().invoke(main, ["--home", str(tmp_path), "certificates", "forms"])
    assert "12 of 2026-03-01" in listed.output


def test_R_5_4_issuing_with_an_unapproved_template_is_refused(tmp_path: Path) -> None:
    from docflow.config import Clock
    from docflow.intake.parse import load_submission
    from docflow.workflow.services import build_services

    home = Home(tmp_path / "home").ensure()
    pki = make_test_pki(home, issuer=True)
    # Issue 13: the organising chamber (named by its alias ПЮК) with the demo issuer as its own.
    ChamberRegistry(home).add("almaty", kk="Алматы қаласының заң консультанттары палатасы",
                              ru="Палата юридических консультантов города Алматы",
                              aliases=["ПЮК"])  # fmt: skip
    pki.assign_body(pki.find(OTHER_IIN, "issuer").serial, "almaty")
    own = tmp_path / "home" / "my-templates"
    shutil.copytree(DEFAULT_TEMPLATES, own)
    with (own / "certificate_ru.docx").open("ab") as f:
        f.write(b"\0")  # one byte more: another form
    (home.root / "docflow.toml").write_text('templates = "my-templates"\n', encoding="utf-8")
    source = tmp_path / "b.yaml"
    data = {
        "kind": "event-certificates",
        "locale": "ru",
        "event": {"title": "Семинар", "form": 2, "organizer": "ПЮК", "date": "2025-03-14",
                  "hours": 8, "place": "online"},
        "issuer": {"full_name": "Issuer DEMO", "position": "Председатель", "chamber": "ПЮК",
                   "iin": OTHER_IIN},
        "participants": [{"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN}],
    }  # fmt: skip
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = load_submission(source, today=ISSUE_DAY)
    with build_services(home, clock=Clock(ISSUE_DAY)) as services:
        with pytest.raises(TemplateNotApproved):
            issue_here(services, loaded, tmp_path / "work")
        assert services.archive.search(kind="certificate") == []
