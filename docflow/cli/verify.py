"""``docflow verify FILE.pdf...``: check every signature in each PDF, as of now or of ``--at``.

Exit codes (CONTRACT.md): 0 valid, 1 invalid or indeterminate, 2 unreadable input; with several
files (the README's ``outbox/2025/*/cpd-report/*.pdf``) the worst file decides. Trust anchors
are the home's demo root CA (``certs/``) plus every ``--trust-root``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from docflow.archive import has_archive, pdf_lookup
from docflow.certificates import describe
from docflow.config import Home
from docflow.errors import ConfigError, UnreadablePdf
from docflow.i18n import cli_locale, message, role_label
from docflow.verify import (
    VerifyReport,
    home_ca_certificates,
    load_certificates,
    read_pdf,
    trust_store,
    verify_pdf,
)

__all__ = ["EXIT_CODES", "register", "trust_anchors_for"]

EXIT_CODES = {"valid": 0, "invalid": 1, "indeterminate": 1}
EXIT_UNREADABLE = 2


def trust_anchors_for(home: Home, extra: tuple[str, ...] = ()) -> tuple[list[Any], list[Any]]:
    """(anchors, intermediates): the home's own CA certificates, its trust list
    (``docflow trust``) and the PEM/DER files named on the command line, trusted as given."""
    anchors, intermediates = home_ca_certificates(home.certs)
    listed_anchors, listed_intermediates = trust_store(home.certs)  # ``docflow trust``
    anchors, intermediates = anchors + listed_anchors, intermediates + listed_intermediates
    result: list[Any] = list(anchors)
    for name in extra:
        result.extend(load_certificates(Path(name)))
    return result, list(intermediates)


def certificate_for(home: Home, data: bytes) -> dict[str, Any] | None:
    """What the archive says of a docflow event certificate (serial, participant, revoked)."""
    try:
        return describe(data, home if has_archive(home) else None)
    except Exception:  # a certificate we cannot describe is still judged by its signatures
        return None


def render_certificate(c: dict[str, Any]) -> str:
    participant = c.get("participant") or {}
    event = c.get("event") or {}
    lines = [
        f"  certificate   {c.get('serial')}",
        f"    participant {participant.get('full_name')} (IIN {participant.get('iin')})",
        f"    event       {event.get('title')} ({event.get('date')})",
        f"    archive     {'known' if c.get('known') else 'NOT known to this archive'}"
        + (", exactly these bytes" if c.get("matches_archive") else ""),
    ]
    if c.get("revoked"):
        lines.append(f"    REVOKED     {c.get('revoked_at')}: {c.get('revocation_reason')}")
    return "\n".join(lines)


def _parse_at(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render_human(report: VerifyReport, locale: str = "en") -> str:
    """A table per signature, then the verdict and why, in ``locale`` (kk, ru, en)."""

    def t(key: str, **params: object) -> str:
        return message(key, locale, **params)

    def yes_no(value: bool) -> str:
        return t("verify.yes") if value else t("verify.no")

    def verdict(value: str) -> str:
        return t(f"param.verdict.{value}")

    lines = [f"{report.file or t('verify.document')}  sha256 {report.sha256}"]
    if not report.signatures:
        lines.append(f"  {t('verify.no_signatures')}")
    for i, s in enumerate(report.signatures, start=1):
        iin = f", {t('verify.iin')} {s.iin})" if s.iin else ")"
        rows = [
            (t("verify.field"), s.field),
            (t("verify.signer"), f"{s.signer} ({role_label(s.role, locale)}" + iin),
            (t("verify.intact"), yes_no(s.intact)),
            (t("verify.trusted"), yes_no(s.trusted)),
            (t("verify.revocation"), t(f"verify.revocation.{s.revocation}")),
            (t("verify.signed_at"), s.signed_at.isoformat() if s.signed_at else "-"),
            (t("verify.timestamp"), s.timestamp.isoformat() if s.timestamp else "-"),
            (t("verify.changed_after"), t(f"verify.changed.{s.modified_after}")),
            (t("verify.algorithm"), s.algorithm or "-"),
            (t("verify.verdict_label"), verdict(s.verdict)),
        ]
        lines.append(f"  {t('verify.signature', n=i)}")
        width = max(len(label) for label, _ in rows) + 2
        lines.extend(f"    {label:<{width}}{value}" for label, value in rows)
        lines.extend(f"    - {reason}" for reason in s.localized_reasons(locale))
    if report.archive is not None:
        archive = report.archive
        lines.append(
            "  "
            + (t("verify.archive_yes", record=archive.record) if archive.registered
               else t("verify.archive_no"))
        )  # fmt: skip
    lines.append(t("verify.verdict", verdict=verdict(report.verdict)))
    if not report.signatures:
        lines.extend(f"  - {reason}" for reason in report.reasons)
    else:  # what is wrong with the document as a whole (issue 19), in the reader's language
        lines.extend(f"  - {finding.text(locale)}" for finding in report.findings)
    return "\n".join(lines)


def _verify_one(
    home: Home,
    path: Path,
    anchors: list[Any],
    intermediates: list[Any],
    at: datetime | None,
    locale: str = "en",
) -> tuple[int, dict[str, Any] | None, str]:
    """One file: its exit code, its ``--json`` document (None if unreadable) and its text."""
    try:
        data = read_pdf(path)  # stat first: a huge or sparse file is refused unread
    except UnreadablePdf as exc:
        return EXIT_UNREADABLE, None, f"docflow: {exc}"
    except OSError as exc:
        return EXIT_UNREADABLE, None, f"docflow: {path}: cannot read: {exc.strerror or exc}"
    try:
        report = verify_pdf(
            data,
            trust_roots=anchors,
            other_certs=intermediates,
            at=at,
            archive_lookup=pdf_lookup(home),
            file_name=path.name,
        )
    except UnreadablePdf as exc:
        return EXIT_UNREADABLE, None, f"docflow: {path}: {exc}"
    certificate = certificate_for(home, data)
    verdict = report.verdict
    if certificate and certificate.get("revoked"):
        verdict = "invalid"  # the issuer withdrew it: the signatures alone don't save it
    document = report.to_json()
    if certificate is not None:
        document["certificate"] = certificate
        document["verdict"] = verdict
    lines = [render_human(report, locale)]
    if certificate is not None:
        lines.append(render_certificate(certificate))
        if verdict != report.verdict:
            lines.append(f"verdict: {verdict.upper()} (certificate revoked)")
    return EXIT_CODES[verdict], document, "\n".join(lines)


def register(group: click.Group) -> None:
    @group.command("verify")
    @click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the verify --json document (a list of them for several files).",
    )
    @click.option(
        "--trust-root",
        "trust_roots",
        multiple=True,
        type=click.Path(dir_okay=False, exists=True),
        help="A PEM/DER certificate to trust as well (repeatable).",
    )
    @click.option(
        "--at", callback=_parse_at, help="Validate as of this ISO 8601 time (default: now)."
    )
    @click.pass_obj
    def verify_command(
        home: Home,
        files: tuple[str, ...],
        as_json: bool,
        trust_roots: tuple[str, ...],
        at: datetime | None,
    ) -> None:
        """Check every signature in FILE.pdf...: 0 all valid, 1 one invalid or indeterminate,
        2 one unreadable (the worst file decides)."""
        # pyHanko logs every failed check with a traceback; the verdict says it plainly.
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
        try:
            anchors, intermediates = trust_anchors_for(home, trust_roots)
        except ConfigError as exc:
            click.echo(f"docflow: {exc}", err=True)
            sys.exit(EXIT_UNREADABLE)
        worst = 0
        documents: list[dict[str, Any]] = []
        for number, file in enumerate(files):
            path = Path(file)
            code, document, text = _verify_one(
                home,
                path,
                anchors,
                intermediates,
                at,
                cli_locale(click.get_current_context().meta.get("docflow.lang")),
            )
            worst = max(worst, code)
            if document is None:
                click.echo(text, err=True)
                if as_json and len(files) > 1:
                    documents.append({"file": path.name, "verdict": "unreadable", "error": text})
                continue
            if as_json:
                documents.append(document)
            else:
                if len(files) > 1:
                    click.echo(("\n" if number else "") + f"== {file}")
                click.echo(text)
        if as_json and documents:
            shown: Any = documents[0] if len(files) == 1 else documents
            click.echo(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
        sys.exit(worst)
