"""Keys bound to offices (issue 13): one key per role and body, looked up by capacity, each
enrolment recorded as an office that ``verify`` can ask about (``role_of``)."""

from __future__ import annotations

from datetime import date

import pytest
from asn1crypto import x509 as asn1_x509
from click.testing import CliRunner

from docflow.bodies import ChamberRegistry, OfficeRegistry
from docflow.chambers import enroll_office
from docflow.cli import main
from docflow.config import Home
from docflow.errors import AuthorityRefused, NotEnrolled, PkiError, UnknownChamber
from docflow.iin import check_digit
from docflow.pki import DEMO_OFFICER_IIN, Pki, subject_office
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki
from docflow.summaries.roster import Member, Roster
from docflow.summaries.store import SummaryStore

KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"


def iin(n: int) -> str:
    for step in range(10000):
        first = f"7707073{(n + step) % 10000:04d}"
        digit = check_digit(first)
        if digit is not None:
            return first + str(digit)
    raise ValueError("no valid IIN")


@pytest.fixture
def world(home: Home) -> Pki:
    registry = ChamberRegistry(home)
    registry.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU)
    registry.add("almaty", kk="Алматы қаласының заң консультанттары палатасы", ru="Палата Алматы")
    return make_test_pki(home)


def _asn1(e: object) -> asn1_x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    cert = x509.load_pem_x509_certificate(e.cert_path.read_bytes())  # type: ignore[attr-defined]
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def test_r4_6_two_chambers_each_with_an_officer(world: Pki, home: Home) -> None:
    kar = enroll_office(home, iin=iin(1), name="Офицер Караганды", role="officer",
                        chamber=KARAGANDA_RU)  # fmt: skip
    alm = enroll_office(home, iin=iin(2), name="Офицер Алматы", role="officer", chamber="almaty")
    assert kar.body == "karaganda" and alm.body == "almaty"
    assert [e.iin for e in world.officers_of("karaganda")] == [kar.iin]
    assert [e.iin for e in world.officers_of("almaty")] == [alm.iin]
    second = enroll_office(home, iin=iin(3), name="Второй Офицер", role="officer",
                           chamber="karaganda")  # fmt: skip
    assert [e.iin for e in world.officers_of("karaganda")] == [kar.iin, second.iin]
    # The legacy demo officer of `pki init` belongs to no chamber, and old callers still find it.
    assert world.find(role="officer", chamber="karaganda").iin == second.iin
    assert DEMO_OFFICER_IIN not in {e.iin for e in world.officers_of("karaganda")}


def test_a_person_with_consultant_and_chair_keys_signs_as_consultant_with_the_consultant_key(
    world: Pki, home: Home
) -> None:
    chair = enroll_office(home, iin=CONSULTANT_IIN, name=CONSULTANT_NAME, role="chair",
                          chamber="karaganda")  # fmt: skip
    consultant = world.find(iin=CONSULTANT_IIN, role="consultant")
    assert chair.serial != consultant.serial
    signer = world.signer_for(CONSULTANT_IIN, "consultant")
    assert signer.role == "consultant"
    assert signer.certificate.serial_number == consultant.serial
    as_chair = world.signer_for(CONSULTANT_IIN, "chair")
    assert as_chair.role == "chair" and as_chair.certificate.serial_number == chair.serial
    assert world.chair_of("karaganda").serial == chair.serial
    with pytest.raises(NotEnrolled):
        world.signer_for(CONSULTANT_IIN, "officer")


def test_enrol_with_chamber_writes_the_office_and_the_subject(world: Pki, home: Home) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["--home", str(home.root), "pki", "enroll", "--iin", iin(4), "--name", "Петров Пётр",
         "--role", "issuer", "--chamber", KARAGANDA_RU.upper()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "issuer, karaganda" in result.output
    (office,) = OfficeRegistry(home).offices(body="karaganda")
    assert (office.iin, office.role, office.name) == (iin(4), "issuer", "Петров Пётр")
    enrolment = world.find(iin=iin(4), role="issuer")
    cert = _asn1(enrolment)
    assert subject_office(cert) == ("issuer", "karaganda")
    assert OfficeRegistry(home).role_of(cert) == ("issuer", "karaganda")
    assert OfficeRegistry(home).issuer_allowed(iin(4), "karaganda")
    assert not OfficeRegistry(home).issuer_allowed(iin(4), "almaty")
    listed = runner.invoke(main, ["--home", str(home.root), "pki", "offices", "--chamber",
                                  "karaganda"])  # fmt: skip
    assert listed.exit_code == 0 and "Петров Пётр" in listed.output


def test_role_of_an_unknown_certificate_is_none(world: Pki, home: Home) -> None:
    other = make_test_pki(home.root.parent / "other-home")
    stranger = _asn1(other.find(role="officer"))
    assert OfficeRegistry(home).role_of(stranger) is None


def test_chamber_offices_need_a_chamber(world: Pki, home: Home) -> None:
    runner = CliRunner()
    base = ["--home", str(home.root), "pki", "enroll", "--iin", iin(5), "--name", "Без Палаты"]
    for role in ("officer", "chair", "issuer"):
        with pytest.raises(PkiError, match="--chamber"):
            enroll_office(home, iin=iin(5), name="Без Палаты", role=role)
        result = runner.invoke(main, [*base, "--role", role])
        assert result.exit_code != 0
    with pytest.raises(UnknownChamber, match="almaty; karaganda"):
        enroll_office(home, iin=iin(5), name="Без Палаты", role="officer", chamber="Атырау")
    with pytest.raises(UnknownChamber, match="not a chamber"):
        enroll_office(home, iin=iin(5), name="Без Палаты", role="chair", chamber="collegium")
    assert OfficeRegistry(home).offices(iin=iin(5)) == []


def test_r5_5_collegium_chair_is_an_office_of_the_collegium(world: Pki, home: Home) -> None:
    e = enroll_office(home, iin=iin(6), name="Председатель Коллегии", role="collegium_chair")
    assert e.body == "collegium"
    assert world.chair_of("collegium").serial == e.serial
    assert subject_office(_asn1(e)) == ("collegium_chair", "collegium")
    with pytest.raises(NotEnrolled):
        world.chair_of("karaganda")
    with pytest.raises(PkiError, match="office of collegium"):
        world.enroll(iin(6), "Председатель Коллегии", "collegium_chair", chamber="karaganda")


def test_consultant_chamber_and_name_come_from_the_roster(world: Pki, home: Home) -> None:
    roster = Roster(KARAGANDA_KK, (Member("Ахметов Ерлан", iin(7), date(2020, 1, 1)),))
    with SummaryStore(home) as store:
        store.save_roster(roster, source="test", imported_at="2026-02-01T00:00:00")
    e = enroll_office(home, iin=iin(7), name="АХМЕТОВ  ЕРЛАН", role="consultant")
    assert e.body == "karaganda"
    with pytest.raises(PkiError, match="Ахметов Ерлан"):
        enroll_office(home, iin=iin(7), name="Петрова Мария", role="consultant",
                      chamber="karaganda")  # fmt: skip


def test_revoking_ends_the_office_but_keeps_its_capacity(world: Pki, home: Home) -> None:
    e = enroll_office(home, iin=iin(8), name="Офицер", role="officer", chamber="karaganda")
    world.revoke(iin(8), "key_compromise")
    offices = OfficeRegistry(home)
    assert offices.offices(body="karaganda", role="officer") == []
    (ended,) = offices.offices(body="karaganda", role="officer", live=False)
    assert ended.ended_at is not None and ended.end_reason == "keyCompromise"
    assert offices.role_of(_asn1(e)) == ("officer", "karaganda")
    assert world.officers_of("karaganda") == []


def test_offices_of_a_home_enrolled_before_offices_are_synced(world: Pki, home: Home) -> None:
    (home.state / "bodies.sqlite").unlink()
    for extra in home.state.glob("bodies.sqlite*"):
        extra.unlink()
    assert OfficeRegistry(home).offices() == []
    assert world.sync_offices() == 2  # the demo officer and the consultant
    assert world.sync_offices() == 0
    officer = world.find(role="officer")
    assert OfficeRegistry(home).role_of(_asn1(officer)) == ("officer", None)
    world.assign_body(officer.serial, "karaganda")
    assert OfficeRegistry(home).role_of(_asn1(officer)) == ("officer", "karaganda")
    assert [e.serial for e in world.officers_of("karaganda")] == [officer.serial]


def test_r4_6_rules_of_authority_over_real_enrolments(world: Pki, home: Home) -> None:
    from docflow.bodies import notice_signer, report_countersigner

    kar = enroll_office(home, iin=iin(20), name="Офицер К", role="officer", chamber="karaganda")
    alm = enroll_office(home, iin=iin(21), name="Офицер А", role="officer", chamber="almaty")
    chair = enroll_office(home, iin=iin(22), name="Председатель К", role="chair",
                          chamber="karaganda")  # fmt: skip
    enroll_office(home, iin=iin(22), name="Председатель К", role="consultant", chamber="karaganda")
    live = world.live_enrolments()
    for chamber, officer in (("karaganda", kar), ("almaty", alm)):
        chosen = report_countersigner(chamber, live)
        assert chosen.serial == officer.serial
        signer = world.signer_for(chosen.iin, "officer", chamber=chamber)
        assert signer.certificate.serial_number == officer.serial
    # The chair's own consultant key signs his report; a notice to him is not his to sign.
    assert world.signer_for(chair.iin, "consultant").role == "consultant"
    with pytest.raises(AuthorityRefused, match="never signed by the member himself"):
        notice_signer(chair.iin, "karaganda", live)
    # The same rules over the recorded offices (what verify and a new process see).
    offices = OfficeRegistry(home).offices()
    assert report_countersigner("almaty", offices).iin == alm.iin


def test_impostor_report_is_rejected_naming_the_mismatch(world: Pki, home: Home) -> None:
    from docflow.chambers import admit_filer

    roster = Roster(KARAGANDA_KK, (Member(CONSULTANT_NAME, CONSULTANT_IIN, date(2019, 3, 1)),))
    with SummaryStore(home) as store:
        store.save_roster(roster, source="test", imported_at="2026-02-01T00:00:00")
    # A real consultant's IIN under another person's name, filed in the Russian name.
    body, findings = admit_filer(
        home, iin=CONSULTANT_IIN, full_name="Петрова Мария Ивановна", chamber=KARAGANDA_RU,
        certificate_name=world.find(iin=CONSULTANT_IIN, role="consultant").name,
    )  # fmt: skip
    assert body.id == "karaganda"
    assert [f.code for f in findings] == ["certificate_name_mismatch", "name_mismatch"]
    assert all(f.decision == "reject" for f in findings)
    assert CONSULTANT_NAME in findings[1].ru and "Петрова Мария Ивановна" in findings[1].ru
    # The genuine filer, in the other language's chamber name: nothing to say.
    assert admit_filer(
        home, iin=CONSULTANT_IIN, full_name=CONSULTANT_NAME, chamber=KARAGANDA_KK,
        certificate_name=CONSULTANT_NAME,
    ) == (body, [])  # fmt: skip
    # Almaty has no roster: the officer reviews.
    _, review = admit_filer(home, iin=CONSULTANT_IIN, full_name=CONSULTANT_NAME, chamber="almaty")
    assert [f.decision for f in review] == ["review"]
    with pytest.raises(UnknownChamber):
        admit_filer(home, iin=CONSULTANT_IIN, full_name=CONSULTANT_NAME, chamber="Атырау")


def test_a_consultant_key_made_before_the_chamber_was_known_gets_the_chamber(
    world: Pki, home: Home
) -> None:
    before = world.find(iin=CONSULTANT_IIN, role="consultant")
    assert before.body is None
    after = enroll_office(home, iin=CONSULTANT_IIN, name=CONSULTANT_NAME, role="consultant",
                          chamber="almaty")  # fmt: skip
    assert after.serial == before.serial and after.body == "almaty"
    assert OfficeRegistry(home).offices(iin=CONSULTANT_IIN)[0].body == "almaty"
