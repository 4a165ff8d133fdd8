"""Issue 13: a certificate batch names its issuer by IIN; the issuer must be enrolled as an
issuer of the organising chamber, and the face and the signature name the same person, or the
batch is rejected with the reason in Kazakh, Russian and English (nothing is issued)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docflow.bodies import ChamberRegistry
from docflow.config import Clock, Home
from docflow.pki import Pki
from docflow.pki.testing import OTHER_IIN

from .conftest import ISSUE_DAY, KK_PARTICIPANTS, batch, make_iins, new_home, yaml_bytes

ASTANA_ISSUER = (make_iins(1, born="700101", century="3")[0], "Петров Сергей")


@pytest.fixture
def two_chambers(tmp_path: Path) -> Iterator[tuple[Home, Any]]:
    """Almaty (the demo issuer is its issuer) and Astana with an issuer of its own."""
    from docflow.workflow.services import build_services

    home, _ = new_home(tmp_path / "home")
    ChamberRegistry(home).add(
        "astana",
        kk="Астана қаласының заң консультанттары палатасы",
        ru="Палата юридических консультантов города Астаны",
    )
    Pki(home, key_size=2048).enroll(*ASTANA_ISSUER, "issuer", chamber="astana")
    parts = build_services(home, clock=Clock(ISSUE_DAY))
    try:
        yield home, parts
    finally:
        parts.close()


def _through_the_inbox(home: Home, parts: Any, data: dict[str, Any]) -> tuple[str, str]:
    from docflow.inbox.runner import Runner
    from docflow.workflow.build import build_flow

    (home.inbox / "batch.yaml").write_bytes(yaml_bytes(data))
    runner = Runner(home, build_flow(parts), workers=1, settle=0)
    try:
        runner.run_once()
        (entry,) = runner.journal.entries()
    finally:
        runner.close()
    error = home.inbox / "rejected" / "batch.yaml.error.txt"
    return entry.state, error.read_text(encoding="utf-8") if error.exists() else ""


def test_issue13_a_batch_naming_an_issuer_not_enrolled_for_that_chamber_is_rejected(
    two_chambers: tuple[Home, Any],
) -> None:
    """The Astana issuer (IIN and name of his own key) signing for an Almaty event."""
    home, parts = two_chambers
    data = batch("kk", KK_PARTICIPANTS)
    data["issuer"].update(iin=ASTANA_ISSUER[0], full_name=ASTANA_ISSUER[1])
    state, error = _through_the_inbox(home, parts, data)
    assert state == "rejected"
    assert (
        f"ИИН {ASTANA_ISSUER[0]} не зарегистрирован как выдающий сертификаты палаты «almaty»"
        in (error)
    )
    assert "сертификат берушісі ретінде тіркелмеген" in error
    assert parts.archive.search(kind="certificate") == []


def test_issue13_the_face_and_the_signature_name_the_same_issuer(
    two_chambers: tuple[Home, Any],
) -> None:
    """The face says "Петров Сергей" (the Astana issuer) while the IIN is the Almaty issuer's:
    the certificate would carry another person's signature than the one printed."""
    home, parts = two_chambers
    data = batch("ru", KK_PARTICIPANTS)
    data["issuer"].update(iin=OTHER_IIN, full_name="Петров Сергей")
    state, error = _through_the_inbox(home, parts, data)
    assert state == "rejected"
    assert "выдавший, ФИО" in error  # the field as a person sees it (issue 14)
    assert "на лицевой стороне «Петров Сергей», а ключ ИИН" in error and "Issuer DEMO" in error
    assert parts.archive.search(kind="certificate") == []


def test_issue13_a_batch_without_the_issuers_iin_is_rejected(
    two_chambers: tuple[Home, Any],
) -> None:
    home, parts = two_chambers
    data = batch("kk", KK_PARTICIPANTS)
    del data["issuer"]["iin"]
    state, error = _through_the_inbox(home, parts, data)
    assert state == "rejected"
    from docflow.i18n import field_label

    assert field_label("issuer.iin", "kk") in error  # the field as a person sees it
    assert "does not name its issuer by IIN" in error
