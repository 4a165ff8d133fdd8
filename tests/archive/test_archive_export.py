"""BagIt export for a state archive (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest

from docflow.archive import Archive
from docflow.config import Home
from docflow.errors import ArchiveError, UnknownRecord


def test_export_makes_a_valid_bag_with_both_manifests(filled: Archive, tmp_path: Path) -> None:
    dest = filled.export_bagit(tmp_path / "transfer" / "bag-1", organization="Палата")
    bag = bagit.Bag(str(dest))
    bag.validate()  # raises BagValidationError on any problem
    assert bag.is_valid()
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Source-Organization"] == "Палата"
    assert bag.info["Bagging-Date"] == "2026-02-10"  # from the archive's clock
    assert bag.info["Payload-Oxum"].endswith(".12")  # 5 PDFs + 5 JSON + log + records.json
    payload = sorted(bag.payload_files())
    assert "data/log.jsonl" in payload and "data/records.json" in payload
    assert sum(p.endswith(".pdf") for p in payload) == 5
    pdf = filled.get("R-2025-0001").pdf_path
    in_bag = dest / "data" / pdf.relative_to(filled.root)
    assert in_bag.read_bytes() == pdf.read_bytes()
    listing = json.loads((dest / "data" / "records.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in listing] == [f"R-2025-{i:04d}" for i in range(5)]
    assert not [p for p in dest.parent.iterdir() if p.name.endswith(".tmp")]

    # the bag's fixity catches an edited byte in transit
    data = bytearray(in_bag.read_bytes())
    data[50] ^= 1
    in_bag.write_bytes(bytes(data))
    assert not bagit.Bag(str(dest)).is_valid()


def test_export_of_chosen_records(filled: Archive, tmp_path: Path) -> None:
    dest = filled.export_bagit(tmp_path / "bag", ids=["R-2025-0002"])
    bag = bagit.Bag(str(dest))
    bag.validate()
    stored = filled.get("R-2025-0002")
    expected = {
        "data/log.jsonl",
        "data/records.json",
        f"data/{stored.pdf_path.relative_to(filled.root).as_posix()}",
        f"data/{stored.json_path.relative_to(filled.root).as_posix()}",
    }
    assert set(bag.payload_files()) == expected
    assert bag.info["Source-Organization"] == "docflow"
    with pytest.raises(UnknownRecord):
        filled.export_bagit(tmp_path / "bag2", ids=["nope"])
    assert not (tmp_path / "bag2").exists()


def test_export_refuses_a_tampered_record_and_an_occupied_dest(
    filled: Archive, home: Home, tmp_path: Path
) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ArchiveError, match="not an empty folder"):
        filled.export_bagit(tmp_path / "full")
    with pytest.raises(ArchiveError, match="outside outbox"):
        filled.export_bagit(home.outbox / "bag")
    filled.get("R-2025-0003").pdf_path.write_bytes(b"%PDF forged")
    with pytest.raises(ArchiveError, match="R-2025-0003"):
        filled.export_bagit(tmp_path / "bag")
    assert not (tmp_path / "bag").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
