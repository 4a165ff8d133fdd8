"""Document kinds are data: the CPD report, certificates and the Bar's roadmap load from TOML."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from docflow.errors import ConfigError
from docflow.kinds import KINDS_DIR, KindRegistry, kind_names, load_kind, load_kind_file

#: A quorum kind (one document many sign): the mechanism stays, though the roadmap's support is
#: counted as one decision per collegium (docs/ROADMAP.md).
QUORUM_TOML = """
name = "quorum-example"
title = { kk = "x", ru = "x" }
model = "docflow.model:CpdReport"
[signing]
mode = "quorum"
role = "chair"
quorum = "2/3"
who = "signatories[].iin"
"""


def _quorum_kind(tmp_path: Path) -> Path:
    path = tmp_path / "quorum.toml"
    path.write_text(QUORUM_TOML, encoding="utf-8")
    return path


def test_cpd_report_is_signed_by_consultant_then_officer_R_3_3_R_4_6() -> None:
    kind = load_kind("cpd-report")
    assert [s.role for s in kind.signing.signers] == ["consultant", "officer"]
    assert [s.lock for s in kind.signing.signers] == [False, True]
    assert kind.template("document", "kk") == "appendix1_kk.docx"
    assert kind.series_key({"consultant": {"iin": "900415400127"}, "year": 2025}) == (
        "cpd-report/900415400127/2025"
    )


@pytest.mark.parametrize(
    ("signed", "eligible", "complete"),
    [(9, 14, False), (10, 14, True), (2, 3, True), (1, 3, False), (12, 18, True), (11, 18, False)],
)
def test_a_quorum_kind_needs_two_thirds_of_chairs_M_2_6q(
    signed: int, eligible: int, complete: bool, tmp_path: Path
) -> None:
    spec = load_kind_file(_quorum_kind(tmp_path)).signing
    assert spec.mode == "quorum"
    assert spec.quorum == Fraction(2, 3)
    assert spec.is_complete(signed, eligible) is complete


def test_quorum_needed_rounds_up_M_2_7q(tmp_path: Path) -> None:
    spec = load_kind_file(_quorum_kind(tmp_path)).signing
    assert spec.needed(14) == 10
    assert spec.needed(18) == 12
    assert spec.needed(1) == 1


def test_every_shipped_kind_loads() -> None:
    names = kind_names()
    assert {"cpd-report", "event-certificates", "remarks", "chamber-roster"} <= set(names)
    for name in names:
        kind = load_kind(name)
        assert kind.name == name
        kind.model_class()  # every model the registry names exists
        for purpose in kind.templates.values():
            for template in purpose.values():
                assert (KINDS_DIR.parent.parent / "templates" / template).is_file(), template


def test_the_roadmap_kinds_are_in_the_registry_part_M() -> None:
    names = KindRegistry.load().names()
    roadmap = {n for n in names if n.startswith("roadmap-")}
    assert roadmap == {
        "roadmap-package", "roadmap-decision", "roadmap-support-letter", "roadmap-support",
        "roadmap-support-confirmation", "roadmap-quarterly", "roadmap-consolidated",
    }  # fmt: skip
    assert not (KINDS_DIR / "planned").exists()


def test_a_key_nobody_reads_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ntitle = {kk = "x"}\nmodel = "m:M"\nwho = "x"\n[signing]\nmode = "none"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="unknown key"):
        load_kind_file(bad)


def test_unknown_kind_and_bad_quorum_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown document kind"):
        load_kind("../cpd-report")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\ntitle = {kk = "x"}\nmodel = "m:M"\n[signing]\nmode = "quorum"\n'
        'role = "chair"\nquorum = "3/2"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="between 0 and 1"):
        load_kind_file(bad)
