"""Fixtures of the roadmap tests: a home with the demo PKI, the Bar Association and the 20
territorial collegia registered as bodies, their chairs and M-2.6's owners enrolled."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from docflow.config import Clock, Home
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Runner
from docflow.pki import Pki
from docflow.pki.testing import make_test_pki, minimal_pdf
from docflow.roadmap.directions import load_roadmap
from docflow.roadmap.flow import register_bodies
from docflow.workflow.build import build_flow
from docflow.workflow.services import Services, build_services

#: Valid IINs of the 20 collegia's chairs (birth date, century digit, check digit).
CHAIR_IINS = [
    "750714400152", "760813300166", "770914400173", "780113300184", "790214400191",
    "700313300206", "710414400213", "720513300227", "730614400234", "740713300248",
    "750814400255", "760913300269", "770114400273", "780213300287", "790314400294",
    "700413300309", "710514400316", "720613300329", "730714400337", "740813300340",
]  # fmt: skip


@pytest.fixture
def roadmap_home(home: Home) -> Home:
    pki = make_test_pki(home)
    register_bodies(home)
    roadmap = load_roadmap()
    pki.enroll(roadmap.chair.iin, roadmap.chair.full_name, "chair", chamber="rba")
    for d in roadmap.directions:
        if d.id in ("M-2.6", "M-2.1"):
            pki.enroll(d.responsible.iin, d.responsible.full_name, "presidium_member",
                       chamber="rba")  # fmt: skip
            pki.enroll(d.coordinator.iin, d.coordinator.full_name, "coordinator", chamber="rba")
    for collegium, iin in zip(roadmap.collegia, CHAIR_IINS, strict=True):
        pki.enroll(iin, f"Төраға {collegium.id}", "chair", chamber=collegium.id)
    return home


class Desk:
    """Drops inputs into the inbox and runs the watcher's one pass over them."""

    def __init__(self, home: Home, today: date, workers: int = 1):
        self.home = home
        self.services: Services = build_services(home, clock=Clock(today))
        self.runner = Runner(home, build_flow(self.services), workers=workers, settle=0)
        self.count = 0

    def drop(self, data: dict[str, Any], name: str | None = None) -> Path:
        self.count += 1
        path = self.home.inbox / (name or f"{self.count:03d}-{data['kind']}.json")
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    def drop_zip(self, data: dict[str, Any], files: dict[str, bytes], name: str) -> Path:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("submission.json", json.dumps(data, ensure_ascii=False))
            for member, content in files.items():
                z.writestr(member, content)
        path = self.home.inbox / name
        path.write_bytes(out.getvalue())
        return path

    def run(self) -> list[Entry]:
        before = {e.token for e in self.runner.journal.entries()}
        self.runner.run_once()
        return [e for e in self.runner.journal.entries() if e.token not in before]

    def close(self) -> None:
        self.runner.close()
        self.services.close()


@pytest.fixture
def desk_factory(roadmap_home: Home) -> Iterator[Any]:
    desks: list[Desk] = []

    def make(today: date, workers: int = 1) -> Desk:
        desk = Desk(roadmap_home, today, workers)
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.close()


def person(owner: Any) -> dict[str, str]:
    return {"full_name": owner.full_name, "iin": owner.iin}


def material_pdf(text: str) -> bytes:
    return minimal_pdf(text)


def to_png(pdf: bytes, out: Path) -> Path:
    """The first page at 60 dpi (``pdftoppm -r 60``), to look at."""
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".pdf")
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-singlefile", str(src), str(out.with_suffix(""))],
        check=True,
    )
    return out


def trust_roots(home: Home) -> list[Any]:
    return Pki(home).trust_roots()
