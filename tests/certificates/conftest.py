"""Fixtures for the certificate tests: one home (demo PKI with an issuer, base_url set), one set
of parts (a warm LibreOffice, loopback TSA/OCSP) and two real batches, shared by the folder's
tests because each certificate costs LibreOffice and two timestamps:

* ``kk_batch``: a seminar (form 2, 2025-03-14) in Kazakh for the consultant and two others,
  dropped into the inbox and processed by the runner;
* ``ru_batch``: a talk (form 4, 2025-05-22) in Russian for the consultant and one other,
  issued by ``Batch.issue`` directly (``issue_here``), its checkpoints kept.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from docflow.bodies import ChamberRegistry
from docflow.certificates import Batch, IssuedCertificate
from docflow.config import Home
from docflow.iin import check_digit
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, OTHER_IIN, make_test_pki

BASE_URL = "https://docflow.example.kz"
#: The day the certificates are issued (the batch's date of issue).
ISSUE_DAY = date(2025, 6, 2)
CHAMBER = "Алматы қаласының заң консультанттары палатасы"
CHAMBER_RU = "Палата юридических консультантов города Алматы"


def make_iins(count: int, *, born: str = "850312", century: str = "4") -> list[str]:
    """``count`` valid IINs (structure and checksum) for made-up participants."""
    out: list[str] = []
    serial = 100
    while len(out) < count:
        first = f"{born}{century}{serial:04d}"
        digit = check_digit(first)
        if digit is not None:
            out.append(f"{first}{digit}")
        serial += 1
    return out


OTHERS = make_iins(4)
KK_PARTICIPANTS = [
    {"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN},
    {"full_name": "Жұмабаев Ерлан Серікұлы", "iin": OTHERS[0]},
    {"full_name": "Оспанова Динара <Ахметқызы> & Co", "iin": OTHERS[1]},
]
RU_PARTICIPANTS = [
    {"full_name": CONSULTANT_NAME, "iin": CONSULTANT_IIN},
    {"full_name": "Петров Иван Сергеевич", "iin": OTHERS[2]},
]


def batch(
    locale: str,
    participants: list[dict[str, str]],
    *,
    form: int | str = 2,
    title: str = "Азаматтық процестегі соңғы өзгерістер",
    on: str = "2025-03-14",
) -> dict[str, Any]:
    return {
        "kind": "event-certificates",
        "locale": locale,
        "event": {
            "title": title,
            "form": form,
            "organizer": CHAMBER,
            "date": on,
            "hours": 8,
            "place": "online",
        },
        "issuer": {
            "full_name": "Issuer DEMO",
            "position": "Палата төрағасы" if locale == "kk" else "Председатель палаты",
            "chamber": CHAMBER,
            # Issue 13: the issuer is named by IIN, enrolled as an issuer of the chamber.
            "iin": OTHER_IIN,
        },
        "participants": participants,
    }


def yaml_bytes(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@dataclass
class World:
    home: Home
    pki: Pki
    parts: Any  # docflow.workflow.services.Services

    @property
    def archive(self) -> Any:
        return self.parts.archive

    def trust_roots(self) -> list[Any]:
        return list(self.pki.trust_roots())


def new_home(root: Path) -> tuple[Home, Pki]:
    home = Home(root).ensure()
    (root / "docflow.toml").write_text(f'base_url = "{BASE_URL}/"\n', encoding="utf-8")
    pki = make_test_pki(home, issuer=True)
    # Issue 13: the organising chamber is registered and the demo issuer is its issuer.
    ChamberRegistry(home).add("almaty", kk=CHAMBER, ru=CHAMBER_RU)
    pki.assign_body(pki.find(OTHER_IIN, "issuer").serial, "almaty")
    return home, pki


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from docflow.config import Clock
    from docflow.workflow.services import build_services

    home, pki = new_home(tmp_path_factory.mktemp("certificates") / "home")
    parts = build_services(home, clock=Clock(ISSUE_DAY))
    try:
        yield World(home, pki, parts)
    finally:
        parts.close()


@dataclass
class KkBatch:
    state: str
    reason: str | None
    records: list[dict[str, Any]]


@pytest.fixture(scope="session")
def kk_batch(world: World) -> KkBatch:
    """The Kazakh batch through the inbox: dropped, claimed, issued, archived."""
    from docflow.inbox.runner import Runner
    from docflow.workflow.build import build_flow

    target = world.home.inbox / "seminar-2025-03.yaml"
    temp = world.home.inbox / ".seminar-2025-03.yaml.part"
    temp.write_bytes(yaml_bytes(batch("kk", KK_PARTICIPANTS)))
    temp.rename(target)
    runner = Runner(world.home, build_flow(world.parts), workers=1, settle=0)
    try:
        runner.run_once()
        # `certificates issue` runs have rows in this home's journal too (issue 12)
        (entry,) = [e for e in runner.journal.entries() if e.source == target.name]
    finally:
        runner.close()
    records = [
        r
        for r in world.archive.search(kind="certificate")
        if r.get("event", {}).get("date") == "2025-03-14"
    ]
    records.sort(key=lambda r: r["participant_index"])
    return KkBatch(entry.state, entry.reason, records)


@dataclass
class Issued:
    """What ``issue_here`` issued."""

    batch: str  # the input's SHA-256
    issued: list[IssuedCertificate]

    @property
    def serials(self) -> list[str]:
        return [c.serial for c in self.issued]

    @property
    def new_count(self) -> int:
        return sum(1 for c in self.issued if c.new)


def issue_here(services: Any, loaded: Any, workdir: Path) -> Issued:
    """Every certificate of a batch, one after the other in this process, by the held key
    (the flow's ``issue`` stage without the worker processes; its checkpoints stay)."""
    workdir.mkdir(parents=True, exist_ok=True)
    batch = Batch(services, loaded, loaded.model, workdir, None)
    archived = batch.archived_serials()
    issued = []
    for index, participant in enumerate(loaded.model.participants):
        certificate = batch.issue(index, participant, archived)
        assert certificate is not None
        issued.append(certificate)
    return Issued(loaded.sha256, issued)


@dataclass
class RuBatch:
    result: Issued
    workdir: Path
    records: list[dict[str, Any]]


@pytest.fixture(scope="session")
def ru_batch(world: World, tmp_path_factory: pytest.TempPathFactory) -> RuBatch:
    """The Russian batch issued directly; its work folder (checkpoints) is kept."""
    from docflow.intake.parse import load_submission

    folder = tmp_path_factory.mktemp("ru")
    source = folder / "talk-2025-05.yaml"
    source.write_bytes(
        yaml_bytes(batch("ru", RU_PARTICIPANTS, form=4, title="Доклад: медиация", on="2025-05-22"))
    )
    loaded = load_submission(source, today=ISSUE_DAY)
    workdir = folder / "work"
    result = issue_here(world.parts, loaded, workdir)
    records = [world.archive.get(c.serial).record for c in result.issued]
    return RuBatch(result, workdir, records)


def decode_qr(pdf: bytes, tmp: Path) -> list[str]:
    """Every QR code zbarimg finds on the first page rendered at 150 dpi."""
    src = tmp / "page.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(src),
            str(tmp / "page"),
        ],
        check=True,
        timeout=60,
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(tmp / "page.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode in (0, 4), out.stderr  # 4: nothing found (asserted by the caller)
    return [line for line in out.stdout.splitlines() if line]
