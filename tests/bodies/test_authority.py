"""Rules of authority (issue 13): who countersigns a report (R-4.6), signs a chamber's
summary (R-4.7), the Collegium's (R-5.5) and a notice to a member (R-9.1)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from docflow.bodies import (
    capacity_mismatch,
    certificate_issuer,
    chamber_summary_signer,
    collegium_summary_signer,
    issuer_allowed,
    notice_signer,
    report_countersigner,
)
from docflow.errors import AuthorityRefused

from .conftest import valid_iin


@dataclass(frozen=True)
class Holder:
    iin: str
    name: str
    role: str
    body: str | None


KAR_OFFICER = Holder(valid_iin(10), "Карагандинский Офицер", "officer", "karaganda")
ALM_OFFICER = Holder(valid_iin(11), "Алматинский Офицер", "officer", "almaty")
ALM_OFFICER_2 = Holder(valid_iin(12), "Второй Алматинский", "officer", "almaty")
KAR_CHAIR = Holder(valid_iin(13), "Председатель Караганды", "chair", "karaganda")
KAR_CHAIR_AS_CONSULTANT = Holder(KAR_CHAIR.iin, KAR_CHAIR.name, "consultant", "karaganda")
ALM_CHAIR = Holder(valid_iin(14), "Председатель Алматы", "chair", "almaty")
COLL_CHAIR = Holder(valid_iin(15), "Председатель Коллегии", "collegium_chair", "collegium")
KAR_ISSUER = Holder(valid_iin(16), "Петров", "issuer", "karaganda")
LEGACY_OFFICER = Holder(valid_iin(17), "Демо Офицер", "officer", None)

ALL = [
    LEGACY_OFFICER, KAR_OFFICER, ALM_OFFICER, ALM_OFFICER_2, KAR_CHAIR,
    KAR_CHAIR_AS_CONSULTANT, ALM_CHAIR, COLL_CHAIR, KAR_ISSUER,
]  # fmt: skip


def test_r4_6_each_report_is_countersigned_by_its_own_chambers_officer() -> None:
    assert report_countersigner("karaganda", ALL) == KAR_OFFICER
    assert report_countersigner("almaty", ALL) == ALM_OFFICER_2  # newest of two
    assert report_countersigner("almaty", ALL, preferred_iin=ALM_OFFICER.iin) == ALM_OFFICER


def test_r4_6_an_officer_of_another_chamber_may_not_countersign() -> None:
    with pytest.raises(AuthorityRefused) as caught:
        report_countersigner("almaty", ALL, preferred_iin=KAR_OFFICER.iin)
    assert caught.value.code == "not_holder"


def test_r4_6_no_officer_in_the_chamber_is_refused_saying_how_to_enrol() -> None:
    with pytest.raises(AuthorityRefused) as caught:
        report_countersigner("shymkent", ALL)  # the legacy body-less officer is no one's
    assert caught.value.code == "no_holder"
    assert "--role officer --chamber shymkent" in str(caught.value)
    assert "нет ключа" in str(caught.value)


def test_r4_6_an_officer_never_countersigns_his_own_report() -> None:
    with pytest.raises(AuthorityRefused):
        report_countersigner("karaganda", ALL, author_iin=KAR_OFFICER.iin)
    assert report_countersigner("almaty", ALL, author_iin=ALM_OFFICER_2.iin) == ALM_OFFICER


def test_r4_7_chamber_summary_by_that_chambers_chair() -> None:
    assert chamber_summary_signer("karaganda", ALL) == KAR_CHAIR
    assert chamber_summary_signer("almaty", ALL) == ALM_CHAIR
    with pytest.raises(AuthorityRefused):
        chamber_summary_signer("collegium", ALL)


def test_r5_5_collegium_summary_by_the_collegiums_chair_not_a_chambers() -> None:
    assert collegium_summary_signer(ALL) == COLL_CHAIR
    with pytest.raises(AuthorityRefused, match="collegium_chair"):
        collegium_summary_signer([KAR_CHAIR, ALM_CHAIR])


def test_r9_1_notice_to_a_member_is_signed_by_the_chair_of_his_chamber() -> None:
    assert notice_signer(valid_iin(30), "karaganda", ALL) == KAR_CHAIR
    assert notice_signer(valid_iin(30), "almaty", ALL) == ALM_CHAIR


def test_r9_1_a_chair_cannot_sign_a_notice_to_himself() -> None:
    with pytest.raises(AuthorityRefused) as caught:
        notice_signer(KAR_CHAIR.iin, "karaganda", ALL)
    assert caught.value.code == "self"
    text = str(caught.value)
    assert KAR_CHAIR.iin in text and "never signed by the member himself" in text
    assert "не может подписать он сам" in text
    # chosen explicitly: refused too
    with pytest.raises(AuthorityRefused) as chosen:
        notice_signer(KAR_CHAIR.iin, "karaganda", ALL, preferred_iin=KAR_CHAIR.iin)
    assert chosen.value.code == "self"
    # with a second chair in the chamber, that one signs
    deputy = Holder(valid_iin(31), "Второй председатель", "chair", "karaganda")
    assert notice_signer(KAR_CHAIR.iin, "karaganda", [*ALL, deputy]) == deputy


def test_certificates_issuer_must_be_enrolled_for_the_organising_chamber() -> None:
    assert issuer_allowed(KAR_ISSUER.iin, "karaganda", ALL)
    assert not issuer_allowed(KAR_ISSUER.iin, "almaty", ALL)
    assert not issuer_allowed(KAR_CHAIR.iin, "karaganda", ALL)  # a chair is not an issuer


def test_a_batch_naming_an_issuer_not_enrolled_for_the_chamber_is_refused() -> None:
    assert certificate_issuer(KAR_ISSUER.iin, "karaganda", ALL) == KAR_ISSUER
    with pytest.raises(AuthorityRefused) as caught:
        certificate_issuer(KAR_ISSUER.iin, "almaty", ALL)  # Petrov of Karaganda, Almaty's batch
    assert caught.value.code == "not_issuer"
    assert "--role issuer --chamber almaty" in str(caught.value)


def test_a_consultant_field_signed_with_a_chair_key_is_the_wrong_capacity() -> None:
    reason = capacity_mismatch("consultant", ("chair", "karaganda"))
    assert reason is not None and "signed with a «chair» key" in reason
    assert "подписано ключом «chair»" in reason
    assert capacity_mismatch("consultant", ("consultant", "karaganda")) is None
    assert capacity_mismatch("consultant", ("consultant", None)) is None
    assert capacity_mismatch("officer", None) is not None  # a key of no known office
    wrong_chamber = capacity_mismatch("officer", ("officer", "almaty"), expected_body="karaganda")
    assert wrong_chamber is not None and "not «karaganda»" in wrong_chamber
