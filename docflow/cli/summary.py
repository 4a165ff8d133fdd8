"""``docflow roster``, ``docflow summary``, ``docflow sanctions`` and ``docflow reminders``:
member rosters, the chamber's and the Collegium's annual summaries (R-4.7, R-5.5, R-5.6), the
R-9.1 warnings and suspensions, and reminders before the R-3.2d deadline.

The summaries and notices are decided here and made by the generic flow in its worker
processes (issue 12: ``docflow.workflow.local``): rendered, signed by the chair (a held key,
or with ``[signing] chair = "own"`` a signing request she completes with her own key) and
archived. A document waiting for the chair's signature is said so, with its request's id.

``--today`` replays a past day (default: ``DOCFLOW_TODAY`` or the real date); it is read here,
at the edge, and passed down.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home
from docflow.errors import SubmissionInvalid
from docflow.i18n import message

if TYPE_CHECKING:
    from docflow.summaries.jobs import ChamberSummaryJob, CollegiumSummaryJob, NoticeJob
    from docflow.summaries.service import Issued, SummaryService

__all__ = ["register"]

_LOCALE = click.Choice(["kk", "ru"])


def _today(clock: Clock | None) -> date:
    return (clock or Clock.from_env()).today()


def _lang() -> str:
    from docflow.i18n import cli_locale

    return cli_locale(click.get_current_context().meta.get("docflow.lang"))


@contextmanager
def _service(home: Home, today: date) -> Iterator[SummaryService]:
    from docflow.summaries.service import SummaryService
    from docflow.workflow.services import build_services

    services = build_services(home, clock=Clock(today))
    service = SummaryService(services)
    try:
        yield service
    finally:
        service.close()
        services.close()


def _make(
    home: Home, today: date, jobs: Sequence[ChamberSummaryJob | CollegiumSummaryJob | NoticeJob]
) -> list[Issued]:
    """Make the documents of ``jobs`` through the flow in worker processes, with services of
    their own. A document that could not be made ends the command (exit 1) with the reason."""
    from docflow.summaries.jobs import job_bytes, job_name
    from docflow.summaries.service import Issued
    from docflow.workflow.local import LocalJob, make_documents
    from docflow.workflow.services import build_services

    with build_services(home, clock=Clock(today)) as services:
        made = make_documents(services, [LocalJob(j.kind, job_name(j), job_bytes(j)) for j in jobs])
    issued: list[Issued] = []
    for job, done in zip(jobs, made, strict=True):
        if done.request is not None:
            issued.append(Issued(None, job.record_kind, request=done.request))
        elif done.state in ("archived", "duplicate") and done.record:
            issued.append(Issued(done.record, job.record_kind, new=done.state == "archived"))
        else:
            reason = done.entry.reason or done.state
            click.echo(message("summary.not_made", _lang(), reason=reason), err=True)
            sys.exit(1)
    return issued


def _say_waiting(home: Home, issued: Sequence[Issued | None], *, err: bool = False) -> None:
    """The command's last word on each document waiting for the chair's own signature: the
    request's id and whom it waits on (on stderr when stdout is JSON)."""
    from docflow.signreq import SignRequests

    waiting = [i.request for i in issued if i is not None and i.request]
    if not waiting:
        return
    store = SignRequests(home)
    try:
        for request in waiting:
            r = store.get(request)
            signer = f"{r.signer_name}, {message('verify.iin', _lang())} {r.expected_iin}"
            click.echo(message("summary.awaiting", _lang(), request=request, signer=signer),
                       err=err)  # fmt: skip
    finally:
        store.close()


#: What ``sanctions run`` does to a case, and the states of a case (R-9.1), as the catalogue
#: names them (``sanctions.kind.*``, ``sanctions.state.*``).
_ACTIONS = ("warn", "cure", "suspend")
_CASE_STATES = ("open", "cured", "suspended")


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


_today_option = today_option("The day to act as of (replays a past day).", dest="today")


def register(group: click.Group) -> None:
    # ------------------------------------------------------------------ roster

    @group.group()
    def roster() -> None:
        """A chamber's member roster (who must report: R-7.4)."""

    @roster.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--chamber", help="The chamber (required for CSV; checked for YAML/JSON).")
    @_today_option
    @click.pass_obj
    def roster_import(home: Home, file: Path, chamber: str | None, today: Clock) -> None:
        """Import FILE (YAML/JSON kind: chamber-roster, or CSV with the header
        full_name,iin,member_since,status,status_from,status_to), replacing the chamber's
        roster. Every problem is listed at once; exit 2 if there is any."""
        from docflow.cli.check import problem_json, problem_lines
        from docflow.i18n import cli_locale, message

        locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
        day = _today(today)
        with _service(home, day) as service:
            try:
                imported = service.import_roster(file, today=day, chamber=chamber)
            except SubmissionInvalid as exc:
                head = message("roster.import_problems", locale, source=file.name,
                               count=len(exc.problems))  # fmt: skip
                click.echo(head, err=True)
                docs = [problem_json(p, locale) for p in exc.problems]
                for line in problem_lines(docs, locale):
                    click.echo(line, err=True)
                sys.exit(2)
        click.echo(message("roster.imported", locale, chamber=imported.chamber,
                           count=len(imported.members)))  # fmt: skip

    @roster.command("show")
    @click.option("--chamber", required=True)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def roster_show(home: Home, chamber: str, as_json: bool) -> None:
        """The chamber's current roster."""
        with _service(home, _today(None)) as service:
            current = service.roster(chamber)
        if as_json:
            click.echo(_dump(current.to_json()))
            return
        lang = _lang()
        click.echo(message("roster.show.title", lang, chamber=current.chamber,
                           count=len(current.members)))  # fmt: skip
        for m in current.members:
            status = message(f"roster.status.{m.status}", lang)
            if m.status != "active":
                start = m.status_from.isoformat() if m.status_from else "…"
                end = m.status_to.isoformat() if m.status_to else "…"
                status += f" {start}–{end}"
            since = message("roster.show.since", lang, date=m.member_since.isoformat())
            click.echo(f"  {m.iin}  {m.full_name}  {since}  {status}")

    # ------------------------------------------------------------------ summary

    @group.group()
    def summary() -> None:
        """The chamber's (R-4.7) and the Collegium's (R-5.5, R-5.6) annual summaries."""

    @summary.command("chamber")
    @click.option("--chamber", required=True)
    @click.option("--year", type=int, required=True)
    @_today_option
    @click.option(
        "--csv",
        "csv_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also write one row per member here, and the totals beside it.",
    )
    @click.option("--locale", type=_LOCALE, default="kk", show_default=True)
    @click.option("--no-sign", is_flag=True, help="Only compute and print; no document.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def summary_chamber(home: Home, chamber: str, year: int, today: Clock,
                        csv_path: Path | None, locale: str, no_sign: bool,
                        as_json: bool) -> None:  # fmt: skip
        """Summarise YEAR for the chamber; the document is signed by the chamber's chair and
        archived (or waits for her own signature)."""
        from docflow.summaries import summary_csv, totals_csv

        day = _today(today)
        with _service(home, day) as service:
            result = service.chamber_summary(chamber, year, today=day)
            job = None if no_sign else service.chamber_job(result, locale=locale)
        if csv_path is not None:
            csv_path.write_text(summary_csv(result), encoding="utf-8")
            totals = csv_path.with_name(f"{csv_path.stem}_totals{csv_path.suffix or '.csv'}")
            totals.write_text(totals_csv(result), encoding="utf-8")
        issued = _make(home, day, [job])[0] if job is not None else None
        if as_json:
            data = result.to_json()
            data["record"] = issued.record_id if issued else None
            data["request"] = issued.request if issued else None
            click.echo(_dump(data))
            _say_waiting(home, [issued], err=True)
            return
        lang = _lang()
        click.echo(message("summary.title", lang, chamber=result.chamber, year=year,
                           day=day.isoformat()))  # fmt: skip
        rows = [(message(f"summary.count.{key}", lang), value)
                for key, value in result.counts().items()]  # fmt: skip
        width = max(len(label) for label, _ in rows) + 2
        for label, value in rows:
            click.echo(f"  {label:{width}}{value}")
        for note in result.notes:
            click.echo("  " + message("summary.note", lang, clause=note.clause, text=note.message))
        if issued and issued.record_id:
            click.echo(message("summary.archived", lang, record=issued.record_id))
        _say_waiting(home, [issued])

    @summary.command("collegium")
    @click.option("--year", type=int, required=True)
    @click.option(
        "--compare", type=int, default=2, show_default=True, help="Earlier years to compare with."
    )
    @_today_option
    @click.option("--locale", type=_LOCALE, default="kk", show_default=True)
    @click.option(
        "--charts",
        "charts_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where to write the charts as PNG (default: summaries/ in the home).",
    )
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def summary_collegium(home: Home, year: int, compare: int, today: Clock, locale: str,
                          charts_dir: Path | None, as_json: bool) -> None:  # fmt: skip
        """Summarise every chamber for YEAR with the effectiveness of each form (R-5.6)."""
        day = _today(today)
        folder = charts_dir or home.root / "summaries" / str(year)
        with _service(home, day) as service:
            result = service.collegium_summary(year, compare=compare, locale=locale)
            job, pngs = service.collegium_job(result, locale=locale, today=day, charts_dir=folder)
        (issued,) = _make(home, day, [job])
        if as_json:
            data = result.to_json()
            data["record"] = issued.record_id
            data["request"] = issued.request
            data["charts"] = {k: str(v) for k, v in pngs.items()}
            click.echo(_dump(data))
            _say_waiting(home, [issued], err=True)
            return
        totals = result.totals(year)
        lang = _lang()
        click.echo(message("summary.collegium_totals", lang, chambers=len(result.chambers),
                           year=year, reports=totals.reports, compliant=totals.compliant,
                           below=totals.below_norm))  # fmt: skip
        for path in pngs.values():
            click.echo(message("summary.chart", lang, path=path))
        if issued.record_id:
            click.echo(message("summary.archived", lang, record=issued.record_id))
        _say_waiting(home, [issued])

    # ------------------------------------------------------------------ sanctions

    @group.group()
    def sanctions() -> None:
        """R-9.1: warnings (one month to reach the norm), then suspensions (three months)."""

    @sanctions.command("run")
    @click.option("--chamber", required=True)
    @click.option("--year", type=int, required=True)
    @_today_option
    @click.option("--locale", type=_LOCALE, default="kk", show_default=True)
    @click.pass_obj
    def sanctions_run(home: Home, chamber: str, year: int, today: Clock,
                      locale: str) -> None:  # fmt: skip
        """Warn, close cured cases, suspend: whatever is due on --today. Idempotent."""
        day = _today(today)
        with _service(home, day) as service:
            done = service.run_sanctions(
                chamber, year, today=day, locale=locale, issue=lambda jobs: _make(home, day, jobs)
            )
        lang = _lang()
        if not done:
            click.echo(message("sanctions.nothing", lang))
        for action, issued in done:
            case = action.case
            where = ""
            if issued is not None:
                where = f" → {issued.record_id or issued.request}"
            kind = message(f"sanctions.kind.{action.kind}", lang)
            width = 1 + max(len(message(f"sanctions.kind.{k}", lang)) for k in _ACTIONS)
            reason = message(f"sanctions.reason.{case.reason}", lang)
            click.echo(f"{kind:{width}} {case.iin}  {case.full_name}  ({reason}){where}")
        _say_waiting(home, [issued for _, issued in done])

    @sanctions.command("list")
    @click.option("--chamber")
    @click.option("--year", type=int)
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def sanctions_list(home: Home, chamber: str | None, year: int | None, as_json: bool) -> None:
        """Every R-9.1 case with its state: open, cured or suspended."""
        from docflow.summaries import SummaryStore

        with SummaryStore(home) as store:
            cases = store.cases(chamber=chamber, year=year)
        if as_json:
            click.echo(_dump([c.to_json() for c in cases]))
            return
        lang = _lang()
        if not cases:
            click.echo(message("sanctions.none", lang))
        for c in cases:
            extra = message("sanctions.due", lang, date=c.due_on.isoformat())
            if c.state == "cured" and c.cured_on:
                extra = message("sanctions.cured_on", lang, date=c.cured_on.isoformat())
            elif c.state == "suspended" and c.suspended_from and c.suspended_to:
                extra = message("sanctions.suspended_period", lang,
                                start=c.suspended_from.isoformat(),
                                end=c.suspended_to.isoformat())  # fmt: skip
            state = message(f"sanctions.state.{c.state}", lang)
            width = max(len(message(f"sanctions.state.{k}", lang)) for k in _CASE_STATES)
            reason = message(f"sanctions.reason.{c.reason}", lang)
            click.echo(f"{state:{width}} {c.year} {c.iin}  {c.full_name}  ({reason}; {extra})")

    # ------------------------------------------------------------------ reminders

    @group.command()
    @click.option("--chamber", required=True)
    @click.option("--year", type=int, required=True)
    @_today_option
    @click.option("--locale", type=_LOCALE, default="kk", show_default=True)
    @click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where to write the letters (default: reminders/YEAR in the home).",
    )
    @click.option("--no-letters", is_flag=True, help="Only list the members.")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def reminders(home: Home, chamber: str, year: int, today: Clock, locale: str,
                  out_dir: Path | None, no_letters: bool, as_json: bool) -> None:  # fmt: skip
        """Before 15 February (R-3.2d): members who have not filed yet, with letters."""
        day = _today(today)
        folder = None if no_letters else (out_dir or home.root / "reminders" / str(year))
        with _service(home, day) as service:
            pending, letters = service.reminders(
                chamber, year, today=day, locale=locale, out_dir=folder
            )
        if as_json:
            click.echo(_dump({"members": [m.to_json() for m in pending],
                              "letters": [str(p) for p in letters]}))  # fmt: skip
            return
        lang = _lang()
        if not pending:
            click.echo(message("reminders.none", lang))
        for m in pending:
            click.echo(f"{m.iin}  {m.full_name}  ({message(f'sanctions.reason.{m.state}', lang)})")
        for path in letters:
            click.echo(message("reminders.letter", lang, path=path))
