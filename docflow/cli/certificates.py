"""``docflow certificates``: issue a batch of event certificates (with a progress bar), revoke
one, show one. Exit codes: 0 done; 1 unknown serial or no issuer enrolled; 2 invalid input."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from docflow.cli._options import today_option
from docflow.config import Clock, Home
from docflow.errors import NotEnrolled, SubmissionInvalid, UnknownRecord

__all__ = ["register"]


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _fail(message: str, code: int) -> None:
    click.echo(f"docflow: {message}", err=True)
    sys.exit(code)


def register(group: click.Group) -> None:
    @group.group()
    def certificates() -> None:
        """Event certificates: one signed, QR-verifiable PDF per participant (R-5.4)."""

    @certificates.command()
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @today_option("The date of issue printed on the certificates (default: the real date).")
    @click.option(
        "--workers",
        type=int,
        default=None,
        help="Worker processes (default: workers in docflow.toml, 2).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the serials as JSON.")
    @click.option("-v", "--verbose", is_flag=True, help="Log every certificate.")
    @click.pass_obj
    def issue(
        home: Home, file: Path, clock: Clock, workers: int | None, as_json: bool, verbose: bool
    ) -> None:
        """Issue a certificate to every participant of an event-certificates FILE, sign each by
        the issuer and archive it, in the worker processes of `docflow watch`. With [signing]
        issuer = "own" the certificates wait for the issuer's own signature (`docflow
        sign-requests export --batch`). Running it again finishes an interrupted batch and
        issues nothing twice."""
        from docflow.certificates import points_here
        from docflow.i18n import cli_locale, message

        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s",
        )
        base_url = home.settings().base_url
        if points_here(base_url):
            locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
            click.echo(message("certificates.loopback", locale, url=base_url), err=True)
        from docflow.intake.parse import load_submission
        from docflow.model import EventCertificates

        try:
            loaded = load_submission(file, today=clock.today())
        except SubmissionInvalid as exc:
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            _fail(f"{file.name} is not valid ({len(exc.problems)} problem(s))", 2)
            return
        model = loaded.model
        if not isinstance(model, EventCertificates):
            _fail(
                f"{file.name} is of kind {loaded.data.get('kind')!r}, not 'event-certificates'", 2
            )
            return
        _issue(home, file, clock, workers, as_json, loaded.sha256, model)

    _register_forms(certificates)

    @certificates.command()
    @click.argument("serial")
    @click.option("--reason", required=True, help="Why the certificate is withdrawn.")
    @click.pass_obj
    def revoke(home: Home, serial: str, reason: str) -> None:
        """Revoke the certificate SERIAL: verify and evidence checks then refuse it."""
        from docflow.certificates import revoke as revoke_certificate

        try:
            record = revoke_certificate(home, serial, reason=reason, at=Clock.from_env().now())
        except UnknownRecord:
            _fail(f"no archived certificate {serial}", 1)
            return
        click.echo(f"{serial}: revoked ({record.get('status_reason')})")

    @certificates.command()
    @click.argument("serial")
    @click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
    @click.pass_obj
    def show(home: Home, serial: str, as_json: bool) -> None:
        """Show the archived certificate SERIAL and whether it is revoked."""
        from docflow.archive import Archive
        from docflow.certificates import find_certificate, mask_iin

        with Archive(home, recover=False) as archive:
            record = find_certificate(archive, serial)
        if record is None:
            _fail(f"no archived certificate {serial}", 1)
            return
        if as_json:
            click.echo(_dump(record))
            return
        event = record.get("event") or {}
        status = str(record.get("status") or "active")
        if record.get("status_reason"):
            status += f": {record['status_reason']}"
        lines = [
            ("serial", record.get("serial")),
            ("participant", f"{record.get('full_name')} (IIN {mask_iin(record.get('iin'))})"),
            ("event", f"{event.get('title')} — {event.get('date')}, {event.get('place')}"),
            ("form / points", f"{record.get('form')} / {record.get('points')}"),
            ("issuer", (record.get("issuer") or {}).get("full_name")),
            ("issued", record.get("archived_at")),
            ("verify", record.get("verify_url")),
            ("status", status),
        ]
        for key, value in lines:
            click.echo(f"{key:>14}: {value}")


def _register_forms(certificates: click.Group) -> None:
    @certificates.command("approve-template")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--decision", required=True, help="The Collegium's decision number.")
    @click.option(
        "--date",
        "on",
        required=True,
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="The date of the decision (YYYY-MM-DD).",
    )
    @click.pass_obj
    def approve_template_(home: Home, file: Path, decision: str, on: datetime) -> None:
        """Record that the Collegium approved the certificate template FILE (R-5.4)."""
        from docflow.certificates import approve_template

        form = approve_template(home, file, decision=decision, on=on.date())
        click.echo(
            f"{form.name}: approved, decision {form.decision} of {form.date} ({form.sha256})"
        )

    @certificates.command("forms")
    @click.pass_obj
    def forms(home: Home) -> None:
        """The register of approved certificate forms (R-5.4)."""
        from docflow.certificates import load_register

        for form in load_register(home):
            sample = " (docflow sample form)" if form.sample else ""
            click.echo(f"{form.sha256}  {form.name}  {form.decision} of {form.date}{sample}")


def _issue(
    home: Home,
    file: Path,
    clock: Clock,
    workers: int | None,
    as_json: bool,
    sha256: str,
    model: Any,
) -> None:
    """The batch through the flow in the worker processes (issue 12), with a progress bar."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from docflow.certificates import judge_batch, verify_url
    from docflow.workflow.build import build_flow
    from docflow.workflow.certificates import issue_submission
    from docflow.workflow.flow import Flow
    from docflow.workflow.pool import WorkerPool
    from docflow.workflow.services import build_services

    services = build_services(home, clock=clock)
    count = max(1, workers or services.settings.workers)
    total = len(model.participants)
    pool: WorkerPool | None = None
    try:
        try:  # before any worker starts; the flow judges it again
            judge_batch(services, model)
        except NotEnrolled as exc:
            _fail(str(exc), 1)
            return
        except SubmissionInvalid as exc:
            _fail("; ".join(str(p) for p in exc.problems), 2)
            return
        before = _batch_serials(services, sha256)
        if services.settings.worker_processes:
            pool = WorkerPool(services, workers=count)
            run, parallel = pool.dispatch, count
        else:  # worker_processes = false: the same flow on threads of this process
            flow: Flow = build_flow(services)
            run, parallel = flow.run, 2 * count
        progress = Progress(
            TextColumn("[bold]certificates"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=_stderr_console(),  # stdout stays for the results (and --json)
            transient=False,
        )
        with progress:
            task = progress.add_task("issue", total=total)
            entry, outcome = issue_submission(
                services,
                file,
                run=run,
                parallel=parallel,
                total=total,
                progress=lambda n: progress.advance(task, n),
                first_alone=pool is None,
            )
        if outcome.state == "rejected":
            click.echo(outcome.error_text or outcome.reason or "", err=True)
            enrol = (outcome.reason or "").startswith("issuer not enrolled")
            _fail(f"{file.name}: {outcome.reason}", 1 if enrol else 2)
            return
        serials: list[str] = json.loads(services.journal.get(entry.token).details or "[]")
        waiting = _waiting_requests(services, entry.token)
        rows = []
        people = zip(model.participants, serials, strict=True)
        for index, (participant, serial) in enumerate(people):
            row: dict[str, Any] = {
                "index": index,
                "serial": serial,
                "full_name": participant.full_name,
                "verify_url": verify_url(services.settings.base_url, serial),
            }
            try:
                stored = services.archive.get(serial)
            except UnknownRecord:  # own mode: waits for the issuer (its request, if open)
                row.update(sha256=None, new=False, state="awaiting_signature",
                           request=waiting.get(serial))  # fmt: skip
            else:
                new = serial not in before and stored.record.get("batch") == sha256
                row.update(sha256=stored.sha256, new=new, state="issued")
            rows.append(row)
    finally:
        if pool is not None:
            pool.close()
        services.close()
    if as_json:
        click.echo(_dump(rows))
        return
    from docflow.i18n import cli_locale, message

    locale = cli_locale(click.get_current_context().meta.get("docflow.lang"))
    for row in rows:
        if row["state"] == "issued":
            click.echo(f"{row['serial']}  {row['full_name']}  {row['verify_url']}")
        else:
            click.echo(message("certificates.awaiting_one", locale, serial=row["serial"],
                               name=row["full_name"], request=row["request"]))  # fmt: skip
    issued = [r for r in rows if r["state"] == "issued"]
    click.echo(
        f"{len(issued)} certificates ({sum(r['new'] for r in issued)} new) for {model.event.title}"
    )
    if waiting:
        click.echo(message("certificates.awaiting_all", locale, count=len(waiting),
                           batch=entry.token))  # fmt: skip


def _batch_serials(services: Any, sha256: str) -> set[str]:
    """Serials of the batch with these bytes already archived."""
    return {
        str(r.get("serial"))
        for r in services.archive.search(kind="certificate", text=sha256)
        if r.get("batch") == sha256
    }


def _waiting_requests(services: Any, token: str) -> dict[str, str]:
    """serial -> open signing request of the batch ``token`` (own mode, issue 15)."""
    return {r.document.partition(":")[2]: r.id for r in services.sign_requests.of_batch(token)}


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
