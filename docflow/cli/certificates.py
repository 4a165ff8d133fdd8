"""``docflow certificates``: issue a batch of event certificates (with a progress bar), revoke
one, show one. Exit codes: 0 done; 1 unknown serial or no issuer enrolled; 2 invalid input."""

from __future__ import annotations

import json
import shutil
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
        help="Parallel threads (default: 2 per LibreOffice instance, 4).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the serials as JSON.")
    @click.pass_obj
    def issue(home: Home, file: Path, clock: Clock, workers: int | None, as_json: bool) -> None:
        """Issue a certificate to every participant of an event-certificates FILE, sign each by
        the issuer and archive it. Running it again finishes an interrupted batch and issues
        nothing twice."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from docflow.certificates import issue_batch
        from docflow.intake.parse import load_submission
        from docflow.model import EventCertificates
        from docflow.workflow.services import build_services

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
        parts = build_services(home, clock=clock)
        workdir = home.state / "certificates" / loaded.sha256[:16]
        total = len(model.participants)
        progress = Progress(
            TextColumn("[bold]certificates"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=_stderr_console(),  # stdout stays for the results (and --json)
            transient=False,
        )
        try:
            with progress:
                task = progress.add_task("issue", total=total)
                result = issue_batch(
                    parts,
                    loaded,
                    model,
                    workdir=workdir,
                    progress=lambda _c: progress.advance(task),
                    workers=workers,
                )
        except NotEnrolled as exc:
            _fail(str(exc), 1)
            return
        except SubmissionInvalid as exc:
            _fail("; ".join(str(p) for p in exc.problems), 2)
            return
        finally:
            parts.close()
        shutil.rmtree(workdir, ignore_errors=True)  # checkpoints are spent once all is archived
        if as_json:
            click.echo(
                _dump(
                    [
                        {
                            "index": c.index,
                            "serial": c.serial,
                            "full_name": c.full_name,
                            "verify_url": c.verify_url,
                            "sha256": c.sha256,
                            "new": c.new,
                        }
                        for c in result.issued
                    ]
                )
            )
            return
        for c in result.issued:
            click.echo(f"{c.serial}  {c.full_name}  {c.verify_url}")
        click.echo(
            f"{len(result.issued)} certificates ({result.new_count} new) for {model.event.title}"
        )

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


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
