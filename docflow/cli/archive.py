"""``docflow archive``: search, get, show, audit, recover and export the archive in ``outbox/``.

Exit codes (CONTRACT.md): ``get``/``show`` 1 for an unknown id; ``audit`` 0 when everything is
intact, 1 otherwise. Read-only commands open the archive without recovering it, so an audit
reports a crashed writer's leftovers instead of silently repairing them.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from docflow.archive import Archive, AuditReport, Verifier
from docflow.archive._index import COUNT_CAP
from docflow.atomic import write_bytes_atomic
from docflow.config import Home
from docflow.errors import ArchiveError, UnknownRecord
from docflow.i18n import cli_locale
from docflow.verify import verify_pdf

__all__ = ["register", "signature_verifier"]


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def signature_verifier(home: Home) -> Verifier:
    """``docflow.verify`` as an audit verifier, trusting the home's CA and its trust list."""
    from docflow.cli.verify import trust_anchors_for

    roots, intermediates = trust_anchors_for(home)  # demo CA + ``docflow trust``

    def verifier(data: bytes) -> tuple[bool, str]:
        report = verify_pdf(data, trust_roots=roots, other_certs=intermediates)
        why = "; ".join(report.reasons) or ", ".join(
            f"{s.role or s.signer}: {s.verdict}" for s in report.signatures
        )
        # A returned report is archived with the consultant's signature only: its empty
        # officer field is its state, not damage (docs/VERIFY-POLICY.md).
        ok = report.verdict == "valid" or report.valid_so_far
        return ok, f"{report.verdict}" + (f" ({why})" if why else "")

    return verifier


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"docflow: {message}", err=True)
    sys.exit(code)


def _open(home: Home) -> Archive:
    return Archive(home, recover=False)


def register(group: click.Group) -> None:
    @group.group()
    def archive() -> None:
        """The archive in outbox/: signed PDFs, their records, the index and the audit log."""

    @archive.command()
    @click.option("--name", help="Part of the person's name (any case, Cyrillic too).")
    @click.option("--iin", help="The 12-digit IIN.")
    @click.option("--year", type=int, help="Reporting year.")
    @click.option(
        "--chamber",
        help="The chamber: its id or any of its names (else part of the name in the records).",
    )
    @click.option("--kind", help="cpd-report, certificate, ...")
    @click.option("--outcome", help="compliant, exempt, below_norm, ...")
    @click.option("--text", help="Text anywhere in the record.")
    @click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
    @click.option("--page", type=click.IntRange(min=1), help="Show this page only (from 1).")
    @click.option(
        "--per-page", type=click.IntRange(1, 1000), default=50, show_default=True,
        help="Records per page with --page.",
    )  # fmt: skip
    @click.pass_obj
    def search(
        home: Home,
        name: str | None,
        iin: str | None,
        year: int | None,
        chamber: str | None,
        kind: str | None,
        outcome: str | None,
        text: str | None,
        as_json: bool,
        page: int | None,
        per_page: int,
    ) -> None:
        """Find archived records; every filter given must match (--page: one page of them). A
        chamber that is registered matches its records by chamber id, whichever of its names
        they were filed under."""
        from docflow.bodies import ChamberRegistry

        registry = ChamberRegistry(home)
        body = registry.find(chamber) if chamber else None
        # A registered chamber's records by the index's chamber id (its kk/ru names and
        # aliases are one chamber; issue 18: the database filters and cuts the page).
        filters: dict[str, Any] = dict(
            name=name, iin=iin, year=year, chamber=None if body else chamber, kind=kind,
            outcome=outcome, text=text, chamber_id=body.id if body else None,
        )  # fmt: skip
        total: int | None = None
        with _open(home) as arch:
            if page is None:
                found = arch.search(**filters)
            else:
                found, total = arch.search_page(page=page, per_page=per_page, **filters)
        if as_json:
            click.echo(_dump(found))
            return
        if total is not None and page is not None:
            pages = max(1, -(-total // per_page))
            more = "+" if total >= COUNT_CAP else ""
            click.echo(
                f"Бет {page}/{pages}{more} · Страница {page}/{pages}{more} · "
                f"Page {page}/{pages}{more} ({total}{more})"
            )
        if not found:
            click.echo("No archived record matches.")
        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
        # one page: each record's link read alone; every record: all links read once
        linked = registry.linked_records() if len(found) > per_page else None
        for r in found:
            status = "" if r.get("status") == "active" else f"  [{r.get('status')}]"
            if linked is None and not r.get("chamber_id"):
                link = registry.link_of(str(r["id"]))
                chamber_id = registry.chamber_of_record(r, linked={r["id"]: link} if link else {})
            else:
                chamber_id = registry.chamber_of_record(r, linked=linked)
            where = f"  {registry.display_name(chamber_id, locale)}" if chamber_id else ""
            click.echo(
                f"{r['id']}  {r.get('kind')}  {r.get('year')}  v{r.get('version') or 1}  "
                f"{r.get('outcome') or '-'}  {r.get('full_name') or '-'} ({r.get('iin') or '-'})"
                f"{where}{status}"
            )

    @archive.command()
    @click.argument("record_id", metavar="ID")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        help="Write the PDF here (default: standard output, or ID.pdf on a terminal).",
    )
    @click.pass_obj
    def get(home: Home, record_id: str, output: str | None) -> None:
        """Write the archived PDF (checked against its archived SHA-256)."""
        with _open(home) as arch:
            try:
                data = arch.pdf_bytes(record_id)
            except UnknownRecord:
                _fail(f"no archived record {record_id!r}")
                return
            except ArchiveError as exc:
                _fail(str(exc))
                return
        if output is None and sys.stdout.isatty():
            output = f"{record_id}.pdf"
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        write_bytes_atomic(Path(output).resolve(), data)
        click.echo(f"{output}  ({len(data)} bytes)", err=True)

    @archive.command()
    @click.argument("record_id", metavar="ID")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def show(home: Home, record_id: str, as_json: bool) -> None:
        """A record, its audit events, its log entries and its version chain."""
        with _open(home) as arch:
            try:
                stored = arch.get(record_id)
            except UnknownRecord:
                _fail(f"no archived record {record_id!r}")
                return
            except ArchiveError as exc:
                _fail(str(exc))
                return
            record = stored.record
            series = record.get("series")
            chain = arch.versions(series) if isinstance(series, str) else []
            log = arch.log_entries(record_id)
        events = record.get("events") or record.get("audit") or []
        data = {
            "record": record,
            "status": stored.status,
            "status_reason": stored.status_reason,
            "pdf": str(stored.pdf_path),
            "events": events,
            "log": log,
            "versions": [
                {k: v.get(k) for k in ("id", "version", "previous", "outcome", "archived_at")}
                for v in chain
            ],
        }
        if as_json:
            click.echo(_dump(data))
            return
        click.echo(f"{record_id}  {record.get('kind')}  {stored.status}")
        for key in ("full_name", "iin", "year", "chamber", "outcome", "version", "previous",
                    "verdict", "points", "rule_version", "template_version", "sha256",
                    "archived_at"):  # fmt: skip
            if record.get(key) is not None:
                click.echo(f"  {key:<17}{record[key]}")
        click.echo(f"  {'pdf':<17}{stored.pdf_path}")
        if stored.status_reason:
            click.echo(f"  {'status reason':<17}{stored.status_reason}")
        click.echo("events:")
        for e in events:
            if isinstance(e, dict):
                click.echo(
                    f"  {e.get('at', '')}  {e.get('type', '')}  {e.get('actor', '')}"
                    f"  {e.get('detail', '') or ''}".rstrip()
                )
        click.echo("log:")
        for e in log:
            extra = f" {e.get('status')}: {e.get('reason')}" if e.get("event") == "status" else ""
            click.echo(f"  #{e.get('seq')}  {e.get('at')}  {e.get('event')}{extra}")
        if len(chain) > 1:
            click.echo("versions:")
            for v in chain:
                mark = " *" if v["id"] == record_id else ""
                click.echo(f"  v{v.get('version')}  {v['id']}  {v.get('outcome') or ''}{mark}")

    @archive.command()
    @click.option("--json", "as_json", is_flag=True)
    @click.option(
        "--no-signatures",
        is_flag=True,
        help="Check the archive's own integrity only, without re-verifying signatures.",
    )
    @click.pass_obj
    def audit(home: Home, as_json: bool, no_signatures: bool) -> None:
        """Re-check the log chain, every record's files and index, and every signature."""
        verifier = None if no_signatures else signature_verifier(home)
        with _open(home) as arch:
            _say_quarantined(arch)
            report = _audit(arch, verifier, _journal_archived(home))
            due = _renewal_due(home, arch)
        _print_audit(report, as_json, signatures=verifier is not None, due=due)
        sys.exit(0 if report.ok else 1)

    @archive.command()
    @click.option(
        "--before",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Renew records whose newest timestamp ends before this date "
        "(default: today + [archive] renew_margin, 1 year).",
    )
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def renew(home: Home, before: datetime | None, as_json: bool) -> None:
        """Renew timestamps that end soon: revocation data + a new document timestamp."""
        from docflow.archive import renew_due
        from docflow.config import Settings
        from docflow.workflow.services import RunningTrustServices

        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
        from docflow.cli.verify import trust_anchors_for

        anchors, intermediates = trust_anchors_for(home)

        def verdict(pdf: bytes) -> str:
            return verify_pdf(pdf, trust_roots=anchors, other_certs=intermediates).verdict

        services = RunningTrustServices(home, Settings.load(home.root))
        try:
            with Archive(home, clock=_now) as arch:
                results = renew_due(
                    arch, services.endpoints, _now().date(), verify=verdict,
                    trust=(anchors, intermediates), before=before.date() if before else None,
                )  # fmt: skip
        finally:
            services.close()
        failed = [r for r in results if r.renewed_as is None]
        if as_json:
            click.echo(
                _dump(
                    {
                        "renewed": [r.to_json() for r in results if r.renewed_as],
                        "failed": [r.to_json() for r in failed],
                    }
                )
            )
        else:
            if not results:
                click.echo(
                    "Жаңартуды қажет ететін жазба жоқ / Нет записей для продления / "
                    "no record is due for renewal"
                )
            for r in results:
                if r.renewed_as:
                    click.echo(f"renewed  {r.record} → {r.renewed_as}  ({r.verdict})")
                else:
                    click.echo(f"FAILED   {r.record}: {r.error}")
        sys.exit(1 if failed else 0)

    @archive.command()
    @click.pass_obj
    def recover(home: Home) -> None:
        """Finish or undo stores interrupted by a crash (the watcher does this on start)."""
        with Archive(home, recover=False) as arch:
            _say_quarantined(arch)
            report = arch.recover()
        if report.clean:
            click.echo("Nothing to recover.")
            return
        click.echo(
            f"completed {len(report.completed)}, undone {len(report.removed)}, "
            f"replayed {len(report.replayed)} log line(s), removed "
            f"{len(report.temp_files_removed)} temporary file(s), cut {report.torn_log_bytes} "
            "torn log byte(s)"
        )

    _register_migrate(archive)

    @archive.command()
    @click.argument("dest", type=click.Path(file_okay=False))
    @click.option("--id", "ids", multiple=True, help="Export only these records (repeatable).")
    @click.option("--organization", help="Source-Organization of the bag (default: docflow.toml).")
    @click.pass_obj
    def export(home: Home, dest: str, ids: tuple[str, ...], organization: str | None) -> None:
        """Write a BagIt bag (sha256 + sha512) for transfer to a state archive."""
        with Archive(home, recover=False, clock=_now) as arch:
            try:
                path = arch.export_bagit(
                    Path(dest), ids=list(ids) or None, organization=organization
                )
            except UnknownRecord as exc:
                _fail(str(exc))
                return
        click.echo(str(path))


def _register_migrate(archive: click.Group) -> None:
    @archive.command()
    @click.option(
        "--to-database", "database", required=True,
        help="postgresql://… (or sqlite:///…) of the new index and log.",
    )  # fmt: skip
    @click.option("--to-objects", "objects", help="s3://bucket of the new object store.")
    @click.pass_obj
    def migrate(home: Home, database: str, objects: str | None) -> None:
        """Move this home's embedded archive to a database and an object store (issue 18).

        The log moves line for line (the same chain, the same head); every PDF and record JSON
        is checked against its SHA-256 on the way. Both audits must pass. Afterwards put the two
        URLs under [storage] in docflow.toml.
        """
        from docflow.archive._migrate import migrate_archive

        try:
            result = migrate_archive(home, database=database, objects=objects)
        except ArchiveError as exc:
            _fail(str(exc))
            return
        click.echo(
            f"Көшірілді · Перенесено · Migrated: {result.records} record(s), "
            f"{result.log_lines} log line(s); log head seq {result.head.seq} "
            f"sha256 {result.head.line_sha256}"
        )
        click.echo("[storage]")
        click.echo(f'database = "{result.database_for_toml}"')
        if objects:
            click.echo(f'objects = "{objects}"')


def _now() -> datetime:
    return datetime.now(UTC)


def _say_quarantined(arch: Archive) -> None:
    moved = getattr(arch, "quarantined", None)  # the embedded archive's; a scaled one has none
    if moved is not None:
        click.echo(
            f"docflow: the archive index was damaged; moved aside to {moved.name} "
            "and rebuilt from the log and the records",
            err=True,
        )


def _audit(arch: Archive, verifier: Verifier | None, expected: dict[str, str]) -> AuditReport:
    """The audit, cross-checked with the work journal where the archive can (issue 19)."""
    import inspect

    if "expected" in inspect.signature(arch.audit).parameters:
        return arch.audit(verifier, expected=expected)
    return arch.audit(verifier)


def _journal_archived(home: Home) -> dict[str, str]:
    """Reports the work journal says were archived: record id -> which submission says so."""
    from docflow.inbox.journal import open_journal
    from docflow.storage import QueueSettings

    path = home.state / "journal.sqlite"
    if not path.exists() and not QueueSettings.from_home(home.root).shared:
        return {}
    journal = open_journal(home.root)  # the shared one under [queue] backend = "postgres"
    try:
        return {
            e.record: f"journal: {e.source} ({e.token})"
            for e in journal.entries("archived")
            if e.record and e.kind in (None, "cpd-report")
        }
    finally:
        journal.close()


def _renewal_due(home: Home, arch: Archive) -> list[Any]:
    """Records whose newest timestamp ends within ``[archive] renew_margin`` (or already did)."""
    from docflow.archive import due_records, renew_margin

    today = _now().date()
    return due_records(arch, today, today + renew_margin(home))


def _print_audit(
    report: AuditReport,
    as_json: bool,
    *,
    signatures: bool,
    due: list[Any] = (),  # type: ignore[assignment]
) -> None:
    if as_json:
        data = report.to_json()
        data["signatures_checked"] = signatures
        data["renewal_due"] = [d.to_json() for d in due]
        click.echo(_dump(data))
        return
    for item in due:
        label = "OVERDUE" if item.overdue else "due"
        click.echo(f"renewal {label}  {item.record}: {item.reason}")
    for problem in report.problems:
        click.echo(f"PROBLEM  {problem}")
    head = f"log head seq {report.head.seq} sha256 {report.head.line_sha256}"
    what = "files, log and signatures" if signatures else "files and log"
    if report.ok:
        click.echo(f"Archive intact: {report.checked} record(s), {what} checked; {head}")
    else:
        click.echo(f"{len(report.problems)} problem(s) in {report.checked} record(s); {head}")
