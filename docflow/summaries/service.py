"""The summaries' service layer: reads the archive and the summaries' store, renders the
documents (DOCX → PDF/A-3b), has the chamber head sign them, and archives them.

Every decision is made by the pure modules (``chamber``, ``collegium``, ``sanctions``,
``reminders``); this module only does the I/O around them, with the flow's services
(``docflow.ports.DocumentServices``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from docflow.archive import slugify
from docflow.audit import AuditEvent, EventType
from docflow.bodies import (
    COLLEGIUM_ID,
    ChamberRegistry,
    chamber_summary_signer,
    collegium_summary_signer,
    notice_signer,
)
from docflow.errors import DocflowError, UnknownRecord
from docflow.ports import DocumentServices
from docflow.render import Attachment, FieldSpec
from docflow.summaries.chamber import ChamberSummary, chamber_summary, summary_csv
from docflow.summaries.collegium import CollegiumSummary, collegium_summary
from docflow.summaries.documents import (
    COLLEGIUM_NAME,
    chamber_context,
    collegium_context,
    reminder_context,
    suspension_context,
    warning_context,
)
from docflow.summaries.reminders import pending_members
from docflow.summaries.roster import Roster, load_roster
from docflow.summaries.sanctions import (
    SanctionAction,
    SanctionCase,
    plan_sanctions,
    suspension_periods,
)
from docflow.summaries.store import SummaryStore

__all__ = ["HEAD_FIELD", "HEAD_ROLE", "Issued", "Signer", "SummaryService"]

log = logging.getLogger("docflow.summaries")

#: The empty signature field every summary document carries, and who signs it.
HEAD_FIELD = "head"
#: The chamber head's enrolment role in the PKI (the Collegium's is ``collegium_chair``).
HEAD_ROLE = "chair"
#: The templates' bookmark where the field goes (see templates/SUMMARIES.md).
HEAD_ANCHOR = "SigHead"


@dataclass(frozen=True)
class Signer:
    """Who signs a summary or a notice, in which office of which body (issue 13)."""

    name: str
    iin: str
    role: str
    body: str | None


class NoRoster(DocflowError):
    """No roster was imported for the chamber."""


@dataclass(frozen=True)
class Issued:
    """A document made and archived (or found already archived: ``new`` is False)."""

    record_id: str
    kind: str
    sha256: str
    new: bool = True


def _chamber_key(name: Any) -> str:
    return " ".join(str(name or "").split()).casefold()


def _case_from_notice(case: SanctionCase, record: dict[str, Any]) -> SanctionCase:
    def day(key: str, default: date | None) -> date | None:
        value = record.get(key)
        return date.fromisoformat(value) if value else default

    return replace(
        case,
        warned_on=day("warned_on", case.warned_on) or case.warned_on,
        due_on=day("due_on", case.due_on) or case.due_on,
        suspended_from=day("suspended_from", case.suspended_from),
        suspended_to=day("suspended_to", case.suspended_to),
    )


class SummaryService:
    """``SummaryService(parts)``; ``close()`` closes its store (the parts are the caller's)."""

    def __init__(self, parts: DocumentServices, store: SummaryStore | None = None):
        self.parts = parts
        self.store = store or SummaryStore(parts.home)

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ rosters

    def import_roster(self, path: Path, *, today: date, chamber: str | None = None) -> Roster:
        """Import a roster, keyed by the chamber's id when chambers are registered (issue 13:
        the chamber named by id or any of its names; ``UnknownChamber`` lists the known)."""
        registry = ChamberRegistry(self.parts.home)
        chambers = registry if registry.chambers() else None
        roster = load_roster(path, today=today, chamber=chamber, chambers=chambers)
        self.store.save_roster(
            roster, source=path.name, imported_at=self.parts.clock.now().isoformat()
        )
        return roster

    def roster(self, chamber: str) -> Roster:
        """The chamber's roster, the chamber named by id or any of its names (issue 13)."""
        roster = self.store.roster(chamber)
        body = ChamberRegistry(self.parts.home).find(chamber)
        if body is not None:
            for key in (body.id, *body.names):
                roster = roster or self.store.roster(key)
            roster = roster.with_chamber_id(body.id) if roster is not None else None
        if roster is None:
            known = ", ".join(self.store.chambers()) or "none"
            raise NoRoster(
                f"no roster for {chamber!r} (imported: {known}); run `docflow roster import`"
            )
        return roster

    # ------------------------------------------------------------------ computing

    def report_records(self, years: Sequence[int] | None = None) -> list[dict[str, Any]]:
        archive = self.parts.archive
        if years is None:
            return archive.search(kind="cpd-report")
        return [r for y in years for r in archive.search(kind="cpd-report", year=y)]

    def chamber_summary(self, chamber: str, year: int, *, today: date) -> ChamberSummary:
        roster = self.roster(chamber)
        suspensions = suspension_periods(self.store.cases(chamber=roster.chamber))
        return chamber_summary(
            roster, self.report_records([year]), year=year, today=today, suspensions=suspensions
        )

    def collegium_summary(
        self, year: int, *, compare: int = 2, locale: str = "kk"
    ) -> CollegiumSummary:
        """R-5.5/R-5.6 for ``year`` and up to ``compare`` earlier years (none before 2022).

        Issue 13: reports are grouped by chamber id (the record's own, the migration's link,
        or its free-text name resolved now), so one chamber filed under its Kazakh and its
        Russian name is one chamber, shown by its name in ``locale``; a name no registered
        chamber has stays a group of its own."""
        years = [y for y in range(year - compare, year + 1) if y >= 2022]
        registry = ChamberRegistry(self.parts.home)
        linked = registry.linked_records()
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        names: dict[str, str] = {}
        for record in self.report_records(years):
            chamber_id = registry.chamber_of_record(record, linked=linked)
            if chamber_id is not None:
                key = f"id:{chamber_id}"
                names.setdefault(key, registry.display_name(chamber_id, locale))
            else:
                key = _chamber_key(record.get("chamber"))
                names.setdefault(key, " ".join(str(record.get("chamber") or "").split()))
            grouped[key].append(record)
        return collegium_summary({names[k]: v for k, v in grouped.items()}, years=years)

    # ------------------------------------------------------------------ documents

    def head(self, chamber: str | None = None) -> Signer:
        """Who signs a summary (issue 13): the chair of ``chamber`` (id or any name) for its
        summary (R-4.7), the Collegium's chair for ``chamber=None`` or ``collegium`` (R-5.5).
        ``AuthorityRefused`` (a ``DocflowError``) says whom to enrol when nobody may."""
        live = self.parts.directory.pki.live_enrolments()
        if chamber is None or chamber == COLLEGIUM_ID:
            e = collegium_summary_signer(live)
        else:
            e = chamber_summary_signer(self._chamber_id(chamber), live)
        return Signer(e.name, e.iin, e.role, e.body)

    def notice_signer(self, case: SanctionCase) -> Signer:
        """R-9.1: the chair of the member's chamber signs a notice to him, never the member
        himself (``AuthorityRefused``, code ``self``)."""
        live = self.parts.directory.pki.live_enrolments()
        e = notice_signer(case.iin, self._chamber_id(case.chamber), live)
        return Signer(e.name, e.iin, e.role, e.body)

    def _chamber_id(self, chamber: str) -> str:
        """The id of a chamber named by id or any name (``UnknownChamber`` otherwise)."""
        return ChamberRegistry(self.parts.home).resolve_chamber(chamber).id

    def _template(self, name: str) -> Path:
        return self.parts.settings.templates / name

    def _render(
        self,
        template: str,
        context: dict[str, Any],
        *,
        attachments: Sequence[tuple[str, bytes, str, str]] = (),
        signed: bool = True,
    ) -> bytes:
        files = [
            Attachment(
                name=n,
                data=d,
                mime_type=m,
                relationship="Data",
                modified=self.parts.clock.now(),
                description=desc,
            )
            for n, d, m, desc in attachments
        ]
        # The empty field must exist before the first (certifying) signature (STYLE.md trap).
        fields = [FieldSpec(HEAD_FIELD, HEAD_ANCHOR)] if signed else []
        return self.parts.renderer.render_pdf(
            self._template(template), context, attachments=files, signature_fields=fields
        )

    def _sign(self, pdf: bytes, *, locale: str, signer: Signer) -> bytes:
        return bytes(
            self.parts.signer.sign(
                pdf, field=HEAD_FIELD, role=signer.role, iin=signer.iin, locale=locale,
                lock=True, lta=True, chamber=signer.body,
            )
        )  # fmt: skip

    def _template_info(self, name: str) -> dict[str, str]:
        data = self._template(name).read_bytes()
        return {"name": name, "sha256": hashlib.sha256(data).hexdigest()}

    def _existing(self, record_id: str) -> tuple[Issued, dict[str, Any]] | None:
        try:
            stored = self.parts.archive.get(record_id)
        except UnknownRecord:
            return None
        issued = Issued(record_id, str(stored.record.get("kind")), stored.sha256, new=False)
        return issued, stored.record

    def _archive(
        self, record: dict[str, Any], pdf: bytes, *, record_id: str, today: date, signer: Signer
    ) -> Issued:
        now = self.parts.clock.now()
        events = (
            AuditEvent(EventType.RENDERED, "docflow", record["kind"]),
            AuditEvent.signed(signer.name, signer.role),
            AuditEvent.archived(record_id),
        )
        record = {
            **record,
            "id": record_id,
            "produced_on": today.isoformat(),
            "signers": [{"role": signer.role, "name": signer.name, "iin": signer.iin}],
            "events": [e.to_json(now) for e in events],
        }
        with self.parts.timings.timed("archive"):
            stored = self.parts.archive.store(record, pdf, record_id=record_id)
        return Issued(record_id, record["kind"], stored.sha256)

    def _next_version(self, series: str) -> tuple[int, str | None]:
        versions = self.parts.archive.versions(series)
        previous = versions[-1]["id"] if versions else None
        return len(versions) + 1, previous

    def issue_chamber_summary(self, summary: ChamberSummary, *, locale: str) -> Issued:
        """Render, sign (chamber head) and archive the summary as ``kind: chamber-summary``.
        Each call makes a new version of the chamber's summary for the year."""
        signer = self.head(summary.chamber_id or summary.chamber)
        template = f"chamber_summary_{locale}.docx"
        context = chamber_context(
            summary, locale=locale, head_name=signer.name, produced_on=summary.today
        )
        data = summary.to_json()
        attachments = [
            (
                "summary.json",
                json.dumps(data, ensure_ascii=False, indent=2).encode(),
                "application/json",
                "The summary's numbers (machine-readable)",
            ),
            (
                "summary.csv",
                summary_csv(summary).encode("utf-8"),
                "text/csv",
                "One row per roster member",
            ),
        ]
        pdf = self._sign(
            self._render(template, context, attachments=attachments), locale=locale, signer=signer
        )
        slug = slugify(summary.chamber, fallback="chamber")[:48].strip("-")
        series = f"chamber-summary/{slug}/{summary.year}"
        version, previous = self._next_version(series)
        record = {
            "kind": "chamber-summary",
            "outcome": "issued",
            "full_name": None,
            "iin": None,
            "chamber": summary.chamber,
            "chamber_id": summary.chamber_id,
            "year": summary.year,
            "locale": locale,
            "series": series,
            "version": version,
            "previous": previous,
            "deadline": summary.collegium_due.isoformat(),
            "late": summary.today > summary.collegium_due,
            "counts": summary.counts(),
            "points_by_form": dict(summary.points_by_form),
            "participants_by_form": dict(summary.participants_by_form),
            "deficient": [
                {"iin": m.iin, "full_name": m.full_name, "state": m.state}
                for m in summary.deficient
            ],
            "warnings": [n.to_json() for n in summary.notes],
            "template": self._template_info(template),
        }
        record_id = f"chamber-summary-{summary.year}-{slug}-v{version}"
        return self._archive(record, pdf, record_id=record_id, today=summary.today, signer=signer)

    def issue_collegium_summary(
        self, summary: CollegiumSummary, *, locale: str, today: date, charts_dir: Path | None
    ) -> tuple[Issued, dict[str, Path]]:
        """Render the charts (also written as PNG files to ``charts_dir``), the document, sign
        and archive it as ``kind: collegium-summary``."""
        # matplotlib (and numpy) only when a chart is drawn: ~35 MB in every process that
        # imports the summaries, the report workers among them, for a few summaries a year.
        from docflow.summaries.charts import collegium_charts

        charts = collegium_charts(summary, locale)
        written: dict[str, Path] = {}
        if charts_dir is not None:
            charts_dir.mkdir(parents=True, exist_ok=True)
            for chart, png in charts.items():
                path = charts_dir / f"collegium-{summary.year}-{chart}-{locale}.png"
                path.write_bytes(png)
                written[chart] = path
        signer = self.head(COLLEGIUM_ID)
        template = f"collegium_summary_{locale}.docx"
        context = collegium_context(
            summary, charts, locale=locale, head_name=signer.name, produced_on=today
        )
        data = json.dumps(summary.to_json(), ensure_ascii=False, indent=2).encode()
        pdf = self._sign(
            self._render(
                template,
                context,
                attachments=[
                    (
                        "collegium.json",
                        data,
                        "application/json",
                        "The summary's numbers (machine-readable)",
                    )
                ],
            ),
            locale=locale,
            signer=signer,
        )
        series = f"collegium-summary/{summary.year}"
        version, previous = self._next_version(series)
        totals = summary.totals(summary.year)
        record = {
            "kind": "collegium-summary",
            "outcome": "issued",
            "full_name": None,
            "iin": None,
            "chamber": COLLEGIUM_NAME["kk"],
            "chamber_id": COLLEGIUM_ID,
            "year": summary.year,
            "years": list(summary.years),
            "locale": locale,
            "series": series,
            "version": version,
            "previous": previous,
            "chambers": list(summary.chambers),
            "totals": totals.to_json(),
            "forms": [
                summary.forms[(f, summary.year)].to_json()
                for f, y in summary.forms
                if y == summary.year
            ],
            "template": self._template_info(template),
        }
        record_id = f"collegium-summary-{summary.year}-v{version}"
        issued = self._archive(record, pdf, record_id=record_id, today=today, signer=signer)
        return issued, written

    # ------------------------------------------------------------------ sanctions

    def run_sanctions(
        self, chamber: str, year: int, *, today: date, locale: str = "kk"
    ) -> list[tuple[SanctionAction, Issued | None]]:
        """Decide and carry out the R-9.1 steps due on ``today``. A case is saved only after
        its notice is archived, and a notice already archived (a run that crashed after
        archiving) is adopted rather than issued again: a rerun never issues twice."""
        summary = self.chamber_summary(chamber, year, today=today)
        cases = {c.iin: c for c in self.store.cases(chamber=summary.chamber, year=year)}
        done: list[tuple[SanctionAction, Issued | None]] = []
        lines = {m.iin: m for m in summary.members}
        for action in plan_sanctions(summary, cases, today=today, locale=locale):
            case = action.case
            issued: Issued | None = None
            if action.kind in ("warn", "suspend"):
                kind = "warning" if action.kind == "warn" else "suspension"
                record_id = f"{kind}-{case.year}-{case.iin}"
                existing = self._existing(record_id)
                if existing is not None:
                    # A run that stopped after archiving: the notice stands as it was issued,
                    # with its own dates.
                    issued, record = existing
                    case = _case_from_notice(case, record)
                elif kind == "warning":
                    context = warning_context(
                        case,
                        lines.get(case.iin),
                        locale=case.locale,
                        head_name=self.notice_signer(case).name,
                        required_points=summary.required_points,
                    )
                    issued = self._issue_notice(kind, case, context, record_id, today=today)
                else:
                    context = suspension_context(
                        case,
                        locale=case.locale,
                        head_name=self.notice_signer(case).name,
                        issued_on=today,
                    )
                    issued = self._issue_notice(kind, case, context, record_id, today=today)
                if kind == "warning":
                    case = replace(case, warning_record=issued.record_id)
                else:
                    case = replace(case, suspension_record=issued.record_id)
            self.store.save_case(case)
            done.append((SanctionAction(action.kind, case), issued))
            log.info("R-9.1 %s: %s (%s)", action.kind, case.full_name, case.iin)
        return done

    def _issue_notice(
        self,
        kind: str,
        case: SanctionCase,
        context: dict[str, Any],
        record_id: str,
        *,
        today: date,
    ) -> Issued:
        template = f"notice_{kind}_{case.locale}.docx"
        signer = self.notice_signer(case)
        pdf = self._sign(self._render(template, context), locale=case.locale, signer=signer)
        record = {
            "kind": kind,
            "outcome": "issued",
            "full_name": case.full_name,
            "iin": case.iin,
            "chamber": case.chamber,
            "chamber_id": self._chamber_id(case.chamber),
            "year": case.year,
            "locale": case.locale,
            "series": f"{kind}/{case.iin}/{case.year}",
            "version": 1,
            "previous": None,
            "reason": case.reason,
            "warned_on": case.warned_on.isoformat(),
            "due_on": case.due_on.isoformat(),
            "suspended_from": case.suspended_from.isoformat() if case.suspended_from else None,
            "suspended_to": case.suspended_to.isoformat() if case.suspended_to else None,
            "clause": "R-9.1a" if kind == "warning" else "R-9.1b",
            "template": self._template_info(template),
        }
        return self._archive(record, pdf, record_id=record_id, today=today, signer=signer)

    # ------------------------------------------------------------------ reminders

    def reminders(
        self,
        chamber: str,
        year: int,
        *,
        today: date,
        locale: str,
        out_dir: Path | None,
    ) -> tuple[list[Any], list[Path]]:
        """Members who have not filed yet (before 15 February, R-3.2d) and, with ``out_dir``,
        a PDF letter for each (not signed: a reminder decides nothing)."""
        roster = self.roster(chamber)
        pending = pending_members(
            roster,
            self.report_records([year]),
            year=year,
            today=today,
            suspensions=suspension_periods(self.store.cases(chamber=roster.chamber)),
        )
        letters: list[Path] = []
        if out_dir is None or not pending:
            return pending, letters
        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            head_name = self.head(roster.chamber_id or roster.chamber).name
        except DocflowError:
            head_name = "______________________________"
        for line in pending:
            context = reminder_context(
                line,
                chamber=roster.chamber,
                year=year,
                today=today,
                locale=locale,
                head_name=head_name,
            )
            pdf = self._render(f"reminder_{locale}.docx", context, signed=False)
            path = out_dir / f"reminder-{year}-{line.iin}-{locale}.pdf"
            path.write_bytes(pdf)
            letters.append(path)
        return pending, letters
