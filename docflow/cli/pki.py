"""``docflow pki …`` (demo PKI and its trust services) and ``docflow sign`` (one signature)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from docflow.bodies import ROLES
from docflow.config import Home
from docflow.errors import DocflowError, SigningError


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r}") from exc


@click.group(name="pki")
def pki_group() -> None:
    """The demo PKI in certs/ (for demonstration only) and its loopback services."""


@pki_group.command(name="init")
@click.option("--port", type=int, default=None, help="Port of the trust services (default 8089).")
@click.pass_obj
def init_cmd(home: Home, port: int | None) -> None:
    """Make the demo PKI in certs/ (idempotent)."""
    from docflow.pki import DEFAULT_PORT, Pki

    home.ensure()
    pki = Pki(home)
    made = pki.init(port=port or DEFAULT_PORT)
    state = "made" if made else "already present"
    click.echo(f"demo PKI {state} in {pki.certs} (services at {pki.base_url}; DEMO ONLY)")


@pki_group.command(name="enroll")
@click.option("--iin", required=True, help="The person's 12-digit IIN.")
@click.option("--name", required=True, help="Full name as it will appear in the certificate.")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="consultant",
    show_default=True,
)
@click.option(
    "--chamber",
    default=None,
    help="The chamber (id or name) the office is held in: required for officer, chair and "
    "issuer; for a consultant, taken from the rosters when not given.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Hand the person their key here (PKCS#12); docflow keeps only the certificate.",
)
@click.pass_obj
def enroll_cmd(
    home: Home, iin: str, name: str, role: str, chamber: str | None, out: Path | None
) -> None:
    """Issue a demo signing key (PKCS#12) for a person's office: one key per role and body.

    The passphrase is $DOCFLOW_KEY_PASSPHRASE or the file named by $DOCFLOW_KEY_PASSPHRASE_FILE;
    without either a generated one is stored beside the key (0600). With --out one of them
    is required, and the key goes only to OUT.
    """
    from docflow.chambers import enroll_office

    e = enroll_office(home, iin=iin, name=name, role=role, chamber=chamber, out=out)
    where = f", {e.body}" if e.body else ""
    click.echo(f"enrolled {e.name} (IIN {e.iin}, {e.role}{where}): {out or e.p12_path}")


@pki_group.command(name="offices")
@click.option("--chamber", default=None, help="Only this body's offices (id or name).")
@click.option("--all", "show_all", is_flag=True, help="Ended offices too.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def offices_cmd(home: Home, chamber: str | None, show_all: bool, as_json: bool) -> None:
    """Who holds which office in which body, with which certificate."""
    import json

    from docflow.bodies import ChamberRegistry, OfficeRegistry

    body = ChamberRegistry(home).resolve(chamber).id if chamber else None
    offices = OfficeRegistry(home).offices(body=body, live=not show_all)
    if as_json:
        click.echo(json.dumps([o.to_json() for o in offices], ensure_ascii=False, indent=2))
        return
    for o in offices:
        ended = f"  ended {o.ended_at:%Y-%m-%d}" if o.ended_at else ""
        click.echo(f"{o.body or '-':<14} {o.role:<16} {o.iin}  {o.name}{ended}")


@pki_group.command(name="revoke")
@click.option("--iin", required=True)
@click.option(
    "--reason",
    default="unspecified",
    show_default=True,
    help="RFC 5280 reason, e.g. key_compromise, superseded, cessation_of_operation.",
)
@click.option("--at", "at", default=None, help="Revocation time (ISO 8601); default now.")
@click.option("--role", default=None, help="Only the key of this office (default: all keys).")
@click.pass_obj
def revoke_cmd(home: Home, iin: str, reason: str, at: str | None, role: str | None) -> None:
    """Revoke a person's certificates (CRL and OCSP reflect it at once); the offices end."""
    from docflow.pki import Pki

    for e in Pki(home).revoke(iin, reason, _parse_time(at), role=role):
        click.echo(f"revoked {e.name} (IIN {e.iin}, {e.role}) serial {e.serial:x}")


@pki_group.command(name="serve")
@click.pass_obj
def serve_cmd(home: Home) -> None:
    """Serve the TSA, OCSP and CRLs in the foreground (Ctrl-C stops)."""
    from docflow.pki import TrustServices

    services = TrustServices(home)
    click.echo(f"TSA {services.tsa_url}  OCSP {services.ocsp_url}  CRL {services.crl_url}")
    try:
        services.serve_forever()
    except KeyboardInterrupt:
        pass


@click.command(name="sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--field", required=True, help="The empty signature field to fill.")
@click.option("--iin", default=None, help="Signer's IIN (default: the officer for --role officer).")
@click.option("--role", default=None, help="The capacity to sign in (the key of that office).")
@click.option("--chamber", default=None, help="The body of the office (chamber id).")
@click.option("--locale", type=click.Choice(["kk", "ru"]), default="kk", show_default=True)
@click.option("--lock", is_flag=True, help="Final signature: lock the document.")
@click.option("--lta", is_flag=True, help="Add DSS and a document timestamp (PAdES B-LTA).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def sign_cmd(
    home: Home,
    file: Path,
    field: str,
    iin: str | None,
    role: str | None,
    chamber: str | None,
    locale: str,
    lock: bool,
    lta: bool,
    output: Path,
) -> None:
    """Sign FILE into FIELD with a demo key, timestamped, with revocation info embedded.

    Starts the loopback trust services for the duration unless a TSA is configured in
    docflow.toml ([services] tsa_url).
    """
    from docflow.pki import Pki, TrustServices
    from docflow.sign import SignSpec, sign_pdf

    if iin is None and role is None:
        raise click.UsageError("give --iin or --role")
    pki = Pki(home)
    signer = pki.signer_for(iin=iin, role=role, chamber=chamber)
    spec = SignSpec(field=field, locale=locale, lock=lock, lta=lta)
    tsa_url = home.settings().tsa_url
    try:
        if tsa_url:
            data = sign_pdf(file.read_bytes(), spec, signer=signer, services=pki.endpoints(tsa_url))
        else:
            with TrustServices(home) as services:
                data = sign_pdf(file.read_bytes(), spec, signer=signer, services=services.endpoints)
    except DocflowError:
        raise
    except OSError as exc:
        raise SigningError(str(exc)) from exc
    tmp = output.with_name(f".{output.name}.part")
    tmp.write_bytes(data)
    tmp.replace(output)
    click.echo(f"signed {field!r} as {signer.name}: {output}")


def register(group: click.Group) -> None:
    group.add_command(pki_group)
    group.add_command(sign_cmd)
