"""Issue 18: the bodies' store (chambers and their names, offices, record links) is a store of
its own opened through ``docflow.storage.open_database(url, store="bodies")``: an embedded home's
``.docflow/bodies.sqlite`` (one written by an older docflow, without migrations, is adopted in
place with its rows), or the PostgreSQL database of ``[storage] database`` shared by every node.

The scaled-out tests run against the REAL PostgreSQL (``pg_url``: a private schema each). The
other node is another process with another home and none of the admin's files: what it knows,
it can only have read from the shared database."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from docflow.bodies import ChamberRegistry, OfficeRegistry
from docflow.chambers import enroll_office
from docflow.config import Home
from docflow.errors import ChamberError, PkiError, UnknownChamber
from docflow.pki.testing import make_test_pki

KARAGANDA_KK = "Қарағанды облысының заң консультанттары палатасы"
KARAGANDA_RU = "Палата юридических консультантов Карагандинской области"
OFFICER_IIN = "770707300012"
SECOND_IIN = "770707300022"

# The bodies' tables exactly as docflow created them before issue 18 (docflow/bodies/_store.py).
_OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS chambers (
    id         TEXT PRIMARY KEY,
    kk         TEXT NOT NULL,
    ru         TEXT NOT NULL,
    en         TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chamber_names (
    fold       TEXT PRIMARY KEY,
    chamber_id TEXT NOT NULL REFERENCES chambers (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('kk', 'ru', 'en', 'alias'))
);
CREATE TABLE IF NOT EXISTS offices (
    fingerprint TEXT PRIMARY KEY,
    serial      TEXT NOT NULL,
    iin         TEXT NOT NULL,
    full_name   TEXT NOT NULL,
    role        TEXT NOT NULL,
    body        TEXT,
    since       TEXT NOT NULL,
    ended_at    TEXT,
    end_reason  TEXT
);
CREATE INDEX IF NOT EXISTS offices_body ON offices (body, role);
CREATE INDEX IF NOT EXISTS offices_iin ON offices (iin, role);
CREATE TABLE IF NOT EXISTS record_chambers (
    record_id   TEXT PRIMARY KEY,
    chamber_id  TEXT NOT NULL,  -- a chamber id, or collegium
    source_name TEXT,
    linked_at   TEXT NOT NULL
);
"""

# The other node: a separate Python process (its own engine, its own home, no shared files).
_NODE = r"""
import json, sys
from datetime import datetime
from docflow.bodies import ChamberRegistry, OfficeRegistry

home, action, arg = sys.argv[1], sys.argv[2], sys.argv[3]
if action == "end":
    OfficeRegistry(home).end(arg, at=datetime.fromisoformat(sys.argv[4]), reason="superseded")
    print("{}")
else:
    pem = open(arg, "rb").read()
    chambers = ChamberRegistry(home)
    offices = OfficeRegistry(home)
    print(json.dumps({
        "chamber": chambers.resolve_chamber(
            "  палата юридических консультантов КАРАГАНДИНСКОЙ области").id,
        "alias": chambers.find("Карагандинская палата").id,
        "role_of": offices.role_of(pem),
        "officers": [o.iin for o in offices.offices(body="karaganda", role="officer")],
        "linked": chambers.linked_records(),
    }))
"""


def _node_home(tmp_path: Path, name: str, database: str) -> Home:
    home = Home(tmp_path / name).ensure()
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{database}"\n', encoding="utf-8"
    )
    return home


def _on_other_node(home: Home, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _NODE, str(home.root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_a_chamber_and_an_officer_appointed_on_one_node_are_known_on_the_other(
    tmp_path: Path, pg_url: str
) -> None:
    admin = _node_home(tmp_path, "admin", pg_url)
    worker = _node_home(tmp_path, "worker", pg_url)
    ChamberRegistry(admin).add(
        "karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU, aliases=["Карагандинская палата"]
    )
    pki = make_test_pki(admin, consultant=False)
    officer = enroll_office(admin, iin=OFFICER_IIN, name="Офицер Караганды", role="officer",
                            chamber=KARAGANDA_RU)  # fmt: skip
    ChamberRegistry(admin).link_record("R-2025-0001", "karaganda", source_name=KARAGANDA_RU)

    seen = _on_other_node(worker, "check", str(officer.cert_path))
    assert seen == {
        "chamber": "karaganda",
        "alias": "karaganda",
        "role_of": ["officer", "karaganda"],
        "officers": [OFFICER_IIN],
        "linked": {"R-2025-0001": "karaganda"},
    }
    # Nothing of it came from a file: neither node has a bodies.sqlite.
    assert not (admin.state / "bodies.sqlite").exists()
    assert not (worker.state / "bodies.sqlite").exists()

    # An office ended on the admin's node (its certificate revoked) is ended on the worker's.
    pki.revoke(OFFICER_IIN, "key_compromise")
    seen = _on_other_node(worker, "check", str(officer.cert_path))
    assert seen["officers"] == []
    assert seen["role_of"] == ["officer", "karaganda"]  # old signatures keep their capacity

    # And one ended on the worker's node is ended on the admin's.
    second = enroll_office(admin, iin=SECOND_IIN, name="Второй Офицер", role="officer",
                           chamber="karaganda")  # fmt: skip
    assert [o.iin for o in OfficeRegistry(admin).offices(body="karaganda")] == [SECOND_IIN]
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    _on_other_node(worker, "end", str(second.serial), at.isoformat())
    assert OfficeRegistry(admin).offices(body="karaganda") == []
    (ended,) = [o for o in OfficeRegistry(admin).offices(live=False) if o.iin == SECOND_IIN]
    assert (ended.ended_at, ended.end_reason) == (at, "superseded")


def test_the_registries_keep_their_rules_in_postgresql(tmp_path: Path, pg_url: str) -> None:
    home = _node_home(tmp_path, "node", pg_url)
    registry = ChamberRegistry(home)
    registry.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU, aliases=["Яа палата", "Аа палата"])
    registry.add_alias("karaganda", "Ёё палата")
    # aliases in the order added, not alphabetical
    assert registry.get("karaganda").aliases == ("Яа палата", "Аа палата", "Ёё палата")  # type: ignore[union-attr]
    with pytest.raises(ChamberError, match="already belongs to chamber karaganda"):
        registry.add("almaty", kk="Алматы", ru="Палата юридических консультантов Алматы",
                     aliases=["аа ПАЛАТА"])  # fmt: skip
    assert [c.id for c in registry.chambers()] == ["karaganda"]  # the refused add left nothing
    with pytest.raises(UnknownChamber):
        registry.resolve_chamber("Республиканская коллегия юридических консультантов")

    # a chamber made from one name found in the records gets both names later
    registry.add("almaty", kk="Палата Алматы", ru="Палата Алматы")
    assert registry.add("almaty", kk="Алматы палатасы", ru="Палата Алматы").kk == "Алматы палатасы"

    registry.link_record("R-1", "karaganda", source_name=None)
    registry.link_record("R-1", "almaty", source_name="Палата Алматы")  # replaced, not doubled
    assert registry.linked_records() == {"R-1": "almaty"}

    offices = OfficeRegistry(home)
    first = offices.record(b"certificate one", iin=OFFICER_IIN, name="Офицер", role="officer",
                           body="karaganda", serial=7)  # fmt: skip
    assert offices.record(b"certificate one", iin=OFFICER_IIN, name="Офицер", role="officer",
                          body="karaganda", serial=7) == first  # fmt: skip
    with pytest.raises(PkiError, match="already the officer key of karaganda"):
        offices.record(b"certificate one", iin=OFFICER_IIN, name="Офицер", role="chair",
                       body="karaganda", serial=7)  # fmt: skip
    same_time = first.since
    offices.record(b"certificate two", iin=SECOND_IIN, name="Второй", role="officer",
                   body="karaganda", serial=8, since=same_time)  # fmt: skip
    assert [o.serial for o in offices.offices(body="karaganda")] == ["7", "8"]
    assert offices.issuer_allowed(OFFICER_IIN, "karaganda") is False


def _old_bodies_file(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(_OLD_SCHEMA)
    db.execute("INSERT INTO chambers VALUES ('karaganda', ?, ?, NULL, '2026-01-10T00:00:00')",
               (KARAGANDA_KK, KARAGANDA_RU))  # fmt: skip
    names = [("kk", KARAGANDA_KK), ("ru", KARAGANDA_RU), ("alias", "Яа палата"),
             ("alias", "Аа палата")]  # fmt: skip
    from docflow.bodies import fold_name

    for kind, name in names:
        db.execute("INSERT INTO chamber_names VALUES (?, 'karaganda', ?, ?)",
                   (fold_name(name), name, kind))  # fmt: skip
    since = "2026-01-10T09:00:00+00:00"
    ended = "2026-02-01T00:00:00+00:00"
    for row in (("ff" * 32, "12", OFFICER_IIN, since, None, None),
                ("00" * 32, "13", SECOND_IIN, since, ended, "superseded")):  # fmt: skip
        db.execute(
            "INSERT INTO offices VALUES (?, ?, ?, 'Офицер', 'officer', 'karaganda', ?, ?, ?)", row
        )
    db.execute("INSERT INTO record_chambers VALUES ('R-2025-0001', 'karaganda', ?, ?)",
               (KARAGANDA_RU, "2026-01-11T00:00:00+00:00"))  # fmt: skip
    db.commit()
    db.close()


def test_an_older_homes_bodies_file_is_adopted_in_place(home: Home) -> None:
    path = home.state / "bodies.sqlite"
    _old_bodies_file(path)
    inode = path.stat().st_ino

    registry = ChamberRegistry(home)
    (karaganda,) = registry.chambers()
    assert (karaganda.id, karaganda.kk, karaganda.ru) == ("karaganda", KARAGANDA_KK, KARAGANDA_RU)
    assert karaganda.aliases == ("Яа палата", "Аа палата")  # the old rowid order
    assert registry.resolve_chamber("аа ПАЛАТА").id == "karaganda"
    assert registry.linked_records() == {"R-2025-0001": "karaganda"}

    offices = OfficeRegistry(home)
    # equal `since`: the order the rows were added in (ff… before 00…), as before
    assert [o.serial for o in offices.offices(live=False)] == ["12", "13"]
    assert [o.iin for o in offices.offices(body="karaganda", role="officer")] == [OFFICER_IIN]
    (ended,) = offices.offices(iin=SECOND_IIN, live=False)
    assert ended.end_reason == "superseded" and ended.ended_at is not None

    # New rows come after the adopted ones.
    registry.add_alias("karaganda", "Ёё палата")
    assert registry.get("karaganda").aliases == ("Яа палата", "Аа палата", "Ёё палата")  # type: ignore[union-attr]
    same_time = datetime(2026, 1, 10, 9, tzinfo=UTC)
    offices.record(b"a later certificate", iin=OFFICER_IIN, name="Офицер", role="chair",
                   body="karaganda", serial=14, since=same_time)  # fmt: skip
    assert [o.serial for o in offices.offices(live=False)] == ["12", "13", "14"]

    # The same file, now under migrations (its own version table).
    assert path.stat().st_ino == inode
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM docflow_bodies_version")).scalar()
        count = conn.execute(text("SELECT count(*) FROM chamber_names")).scalar()
    engine.dispose()
    assert version == "bodies0001" and count == 5


def test_a_removed_bodies_file_is_noticed_by_a_process_that_had_it_open(home: Home) -> None:
    registry = ChamberRegistry(home)
    registry.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU)
    for extra in home.state.glob("bodies.sqlite*"):
        extra.unlink()
    assert registry.chambers() == []
    registry.add("almaty", kk="Алматы палатасы", ru="Палата Алматы")
    assert [c.id for c in ChamberRegistry(home).chambers()] == ["almaty"]
    assert (home.state / "bodies.sqlite").exists()


def test_switching_to_the_shared_database_moves_each_nodes_bodies_file_once(
    tmp_path: Path, pg_url: str
) -> None:
    """Homes embedded before ``[storage] database`` was set keep their chambers and offices:
    each node's own file is merged into the shared store once (a stale copy never makes an
    ended office live again) and renamed ``bodies.sqlite.moved``."""
    admin = Home(tmp_path / "admin").ensure()
    _old_bodies_file(admin.state / "bodies.sqlite")
    worker = Home(tmp_path / "worker").ensure()  # copied from the admin's before office 13 ended
    _old_bodies_file(worker.state / "bodies.sqlite")
    db = sqlite3.connect(worker.state / "bodies.sqlite")
    db.execute("UPDATE offices SET ended_at = NULL, end_reason = NULL WHERE serial = '13'")
    db.execute("INSERT INTO chambers VALUES ('almaty', 'Алматы', 'Алматы', NULL, '2026-01-12')")
    db.commit()
    db.close()
    for home in (admin, worker):
        (home.root / "docflow.toml").write_text(
            f'[storage]\ndatabase = "{pg_url}"\n', encoding="utf-8"
        )

    # The worker's node opens the shared store first: its stale copy goes in as it is.
    assert [o.serial for o in OfficeRegistry(worker).offices()] == ["12", "13"]
    assert (worker.state / "bodies.sqlite.moved").exists()
    assert not (worker.state / "bodies.sqlite").exists()
    # Then the admin's: office 13 is ended everywhere, nothing is doubled, the order is kept.
    assert [o.serial for o in OfficeRegistry(admin).offices()] == ["12"]
    assert [o.serial for o in OfficeRegistry(worker).offices(live=False)] == ["12", "13"]
    registry = ChamberRegistry(worker)
    assert [c.id for c in registry.chambers()] == ["almaty", "karaganda"]
    assert registry.get("karaganda").aliases == ("Яа палата", "Аа палата")  # type: ignore[union-attr]
    assert registry.linked_records() == {"R-2025-0001": "karaganda"}
    assert not (admin.state / "bodies.sqlite").exists()

    # Once: the moved files are not read again, the shared store is what counts.
    OfficeRegistry(admin).end("12", at=datetime(2026, 3, 1, tzinfo=UTC), reason="superseded")
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        names = conn.execute(text("SELECT count(*) FROM chamber_names")).scalar()
        live = conn.execute(text("SELECT count(*) FROM offices WHERE ended_at IS NULL")).scalar()
    engine.dispose()
    assert (names, live) == (4, 0)


@pytest.mark.parametrize("shared", [False, True], ids=["embedded", "postgresql"])
def test_a_forked_worker_process_leaves_its_parents_connections_alone(
    tmp_path: Path, request: pytest.FixtureRequest, shared: bool
) -> None:
    """``docflow watch`` forks its worker processes after reading the bodies: a child opens its
    own connections, and the parent's (to PostgreSQL, or to the SQLite file and its WAL) keep
    working after the child has used the store and exited."""
    home = Home(tmp_path / "home").ensure()
    if shared:
        database = request.getfixturevalue("pg_url")
        (home.root / "docflow.toml").write_text(
            f'[storage]\ndatabase = "{database}"\n', encoding="utf-8"
        )
    registry = ChamberRegistry(home)
    registry.add("karaganda", kk=KARAGANDA_KK, ru=KARAGANDA_RU)
    assert registry.resolve_chamber(KARAGANDA_RU).id == "karaganda"  # the parent's pool is open
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        code = 1
        try:
            ChamberRegistry(home).add("almaty", kk="Алматы палатасы", ru="Палата Алматы")
            if ChamberRegistry(home).resolve_chamber("karaganda").id == "karaganda":
                code = 0
            import gc

            gc.collect()
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [c.id for c in registry.chambers()] == ["almaty", "karaganda"]
    registry.add_alias("karaganda", "Карагандинская палата")
    assert registry.resolve_chamber("карагандинская ПАЛАТА").id == "karaganda"
