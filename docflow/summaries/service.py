"""The summaries' service layer: imports rosters, computes the chamber's and the Collegium's
summaries and the R-9.1 steps from the archive and the summaries' store, and writes each
document to make as a job of the generic flow (``docflow.summaries.jobs``): rendering, the
chair's signature and the archive are the flow's stages, in its worker processes (issue 12).

Every decision is made by the pure modules (``chamber``, ``collegium``, ``sanctions``,
``reminders``); this module only does the I/O around them, with the flow's services
(``docflow.ports.DocumentServices``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from docflow.bodies import (
    COLLEGIUM_ID,
    ChamberRegistry,
    chamber_summary_signer,
    collegium_summary_signer,
    notice_signer,
)
from docflow.errors import DocflowError, UnknownRecord
from docflow.ports import DocumentServices
from docflow.summaries.chamber import ChamberSummary, chamber_summary
from docflow.summaries.collegium import CollegiumSummary, collegium_summary
from docflow.summaries.documents import reminder_context
from docflow.summaries.jobs import (
    NOTICE_KINDS,
    ChamberSummaryJob,
    CollegiumSummaryJob,
    NoticeJob,
    chamber_job,
    collegium_job,
    notice_job,
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

__all__ = ["IssueNotices", "Issued", "Signer", "SummaryService"]

log = logging.getLogger("docflow.summaries")


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
    """A document made and archived (or found already archived: ``new`` is False), or waiting
    for its signer's own signature (``request``: the signing request; ``record_id`` None)."""

    record_id: str | None
    kind: str
    new: bool = True
    request: str | None = None


#: Makes the notices of one run, each an ``Issued`` in the same order (``docflow sanctions``
#: passes the flow's, which ends the command when one could not be made: no case is saved
#: then, and a notice archived meanwhile is adopted by the next run).
IssueNotices = Callable[[Sequence[NoticeJob]], Sequence[Issued]]


def _notice_record(action: str, case: SanctionCase) -> str:
    """The record id of the notice an R-9.1 action issues: one per member, kind and year
    (the kinds' ``numbering``)."""
    return f"{NOTICE_KINDS[action][1]}-{case.year}-{case.iin}"


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

    def _render(self, template: str, context: dict[str, Any]) -> bytes:
        """An unsigned letter (a reminder decides nothing, so nobody signs it)."""
        return self.parts.renderer.render_pdf(self.parts.settings.templates / template, context)

    def _existing(self, record_id: str) -> tuple[Issued, dict[str, Any]] | None:
        try:
            stored = self.parts.archive.get(record_id)
        except UnknownRecord:
            return None
        issued = Issued(record_id, str(stored.record.get("kind")), new=False)
        return issued, stored.record

    def chamber_job(self, summary: ChamberSummary, *, locale: str) -> ChamberSummaryJob:
        """The document of the chamber's summary as a job of the flow (kind
        ``chamber-summary``). Whom to enrol is said here (``AuthorityRefused``) when the
        chamber has no chair, before anything is made."""
        chamber_id = self._chamber_id(summary.chamber_id or summary.chamber)
        self.head(chamber_id)
        return chamber_job(summary, locale=locale, chamber_id=chamber_id)

    def collegium_job(
        self, summary: CollegiumSummary, *, locale: str, today: date, charts_dir: Path | None
    ) -> tuple[CollegiumSummaryJob, dict[str, Path]]:
        """The charts (also written as PNG files to ``charts_dir``) and the document of the
        Collegium's summary as a job of the flow (kind ``collegium-summary``)."""
        # matplotlib (and numpy) only when a chart is drawn: ~35 MB in every process that
        # imports the summaries, the report workers among them, for a few summaries a year.
        from docflow.summaries.charts import collegium_charts

        self.head(COLLEGIUM_ID)
        charts = collegium_charts(summary, locale)
        written: dict[str, Path] = {}
        if charts_dir is not None:
            charts_dir.mkdir(parents=True, exist_ok=True)
            for chart, png in charts.items():
                path = charts_dir / f"collegium-{summary.year}-{chart}-{locale}.png"
                path.write_bytes(png)
                written[chart] = path
        job = collegium_job(summary, locale=locale, produced_on=today, charts=charts)
        return job, written

    # ------------------------------------------------------------------ sanctions

    def run_sanctions(
        self,
        chamber: str,
        year: int,
        *,
        today: date,
        issue: IssueNotices,
        locale: str = "kk",
    ) -> list[tuple[SanctionAction, Issued | None]]:
        """Decide and carry out the R-9.1 steps due on ``today``; ``issue`` makes the notices
        (the flow, in worker processes). A case is saved only once its notice is archived,
        or waits for the chair's own signature; a notice already archived (a run that
        crashed after archiving) is adopted rather than issued again: a rerun never issues
        twice. A notice to the chair himself is refused before anything is made."""
        summary = self.chamber_summary(chamber, year, today=today)
        chamber_id = self._chamber_id(summary.chamber_id or summary.chamber)
        cases = {c.iin: c for c in self.store.cases(chamber=summary.chamber, year=year)}
        lines = {m.iin: m for m in summary.members}
        planned: list[tuple[str, SanctionCase, Issued | int | None]] = []
        jobs: list[NoticeJob] = []
        for action in plan_sanctions(summary, cases, today=today, locale=locale):
            case = action.case
            if action.kind not in NOTICE_KINDS:
                planned.append((action.kind, case, None))
                continue
            record_id = _notice_record(action.kind, case)
            existing = self._existing(record_id)
            if existing is not None:
                # A run that stopped after archiving: the notice stands as it was issued,
                # with its own dates.
                issued, record = existing
                planned.append((action.kind, _case_from_notice(case, record), issued))
                continue
            self.notice_signer(case)  # never the member himself (AuthorityRefused)
            line = lines.get(case.iin)
            job = notice_job(
                action.kind, case, chamber_id=chamber_id,
                points=line.total_points if line is not None else None,
                required_points=summary.required_points, issued_on=today,
            )  # fmt: skip
            jobs.append(job)
            planned.append((action.kind, case, len(jobs) - 1))
        made = list(issue(jobs)) if jobs else []
        done: list[tuple[SanctionAction, Issued | None]] = []
        for kind, case, ref in planned:
            notice = made[ref] if isinstance(ref, int) else ref
            if notice is not None:
                # Waiting for the chair's own signature, the notice is archived under this id.
                record_id = notice.record_id or _notice_record(kind, case)
                if kind == "warn":
                    case = replace(case, warning_record=record_id)
                else:
                    case = replace(case, suspension_record=record_id)
            self.store.save_case(case)
            done.append((SanctionAction(kind, case), notice))
            log.info("R-9.1 %s: %s (%s)", kind, case.full_name, case.iin)
        return done

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
            pdf = self._render(f"reminder_{locale}.docx", context)
            path = out_dir / f"reminder-{year}-{line.iin}-{locale}.pdf"
            path.write_bytes(pdf)
            letters.append(path)
        return pending, letters
