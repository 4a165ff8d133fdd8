"""What the summaries' document tests share: a home with the chambers registered and their
chairs enrolled, archived report records, and the check that a document verifies."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from summaries_data import CHAMBER, OTHER_CHAMBER, make_iin

from docflow.archive import Archive
from docflow.bodies import ChamberRegistry
from docflow.config import Home
from docflow.pki.testing import make_test_pki, minimal_pdf
from docflow.verify import home_trust_anchors, verify_pdf

CHAIR_IIN = make_iin(date(1965, 3, 3))
CHAIR_NAME = "Төрағаев Бауыржан Сейітұлы"
COLLEGIUM_CHAIR_IIN = make_iin(date(1960, 6, 6))
COLLEGIUM_CHAIR_NAME = "Әлиев Қайрат"


def summaries_home(
    root: Path, *, chair_key: Path | None = None, collegium_key: Path | None = None
) -> Home:
    """Issue 13: the chambers registered, the Almaty chair and the Collegium's chair. With
    ``chair_key`` (``collegium_key``) the Almaty chair (the Collegium's) gets the PKCS#12 there
    (``pki enroll --out``, passphrase from ``DOCFLOW_KEY_PASSPHRASE``) and the home keeps only
    the certificate."""
    home = Home(root).ensure()
    pki = make_test_pki(home, consultant=False)
    chambers = ChamberRegistry(home)
    chambers.add("almaty", kk=CHAMBER, ru="Палата юридических консультантов города Алматы")
    chambers.add("astana", kk=OTHER_CHAMBER, ru="Палата юридических консультантов города Астаны")
    pki.enroll(CHAIR_IIN, CHAIR_NAME, "chair", chamber="almaty", out=chair_key)
    pki.enroll(COLLEGIUM_CHAIR_IIN, COLLEGIUM_CHAIR_NAME, "collegium_chair", chamber="collegium",
               out=collegium_key)  # fmt: skip
    return home


def store_records(home: Home, records: list[dict[str, Any]]) -> None:
    archive = Archive(home)
    try:
        for r in records:
            archive.store(r, minimal_pdf(f"report {r['id']}"), record_id=r["id"])
    finally:
        archive.close()


def verified(home: Home, pdf: bytes, role: str = "chair") -> Any:
    report = verify_pdf(pdf, trust_roots=list(home_trust_anchors(home.certs)))
    assert report.verdict == "valid", report.to_json()
    # The chamber head's (or the Collegium chair's) signature, then the B-LTA timestamp.
    assert [s.role for s in report.signatures] == [role, "timestamp"]
    return report
