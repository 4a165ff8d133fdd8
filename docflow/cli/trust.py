"""``docflow trust add|list|remove``: the home's trust list (``docflow.trust``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from docflow.config import Home
from docflow.errors import ConfigError
from docflow.trust import TrustEntry, TrustStore
from docflow.trust._store import Kind


def _fail(message: str) -> None:
    click.echo(f"docflow: {message}", err=True)
    sys.exit(2)


def _line(entry: TrustEntry) -> str:
    return (
        f"{entry.name}\n"
        f"    {entry.kind:<13}{entry.subject}\n"
        f"    {'valid':<13}{entry.not_before} → {entry.not_after}\n"
        f"    {'sha256':<13}{entry.sha256}"
    )


def register(group: click.Group) -> None:
    @group.group()
    def trust() -> None:
        """Сенім тізімі / Список доверия / the trust list (anchors and intermediates)."""

    @trust.command("add")
    @click.argument("file", type=click.Path(dir_okay=False, exists=True))
    @click.option("--name", help="A short name (default: the subject's common name).")
    @click.option(
        "--anchor/--intermediate",
        "anchor",
        default=None,
        help="Trust it as an anchor, or only use it to build paths "
        "(default: anchor when self-signed).",
    )
    @click.pass_obj
    def add(home: Home, file: str, name: str | None, anchor: bool | None) -> None:
        """Add a PEM or DER certificate to the trust list."""
        try:
            data = Path(file).read_bytes()
            kind: Kind | None = None
            if anchor is not None:
                kind = "anchor" if anchor else "intermediate"
            entry = TrustStore(home.certs).add(data, name=name, kind=kind)
        except (OSError, ConfigError) as exc:
            _fail(f"{file}: {exc}")
            return
        click.echo("Сенім тізіміне қосылды / Добавлен в список доверия / added to the trust list:")
        click.echo(_line(entry))

    @trust.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def list_(home: Home, as_json: bool) -> None:
        """Every certificate of the trust list: name, kind, subject, validity, SHA-256."""
        try:
            entries = TrustStore(home.certs).entries()
        except ConfigError as exc:
            _fail(str(exc))
            return
        if as_json:
            click.echo(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=2))
            return
        if not entries:
            click.echo("Сенім тізімі бос / Список доверия пуст / the trust list is empty")
        for entry in entries:
            click.echo(_line(entry))

    @trust.command("remove")
    @click.argument("key", metavar="NAME|SHA256")
    @click.pass_obj
    def remove(home: Home, key: str) -> None:
        """Remove a certificate from the trust list by name or SHA-256."""
        try:
            entry = TrustStore(home.certs).remove(key)
        except ConfigError as exc:
            _fail(str(exc))
            return
        click.echo(
            "Сенім тізімінен алынды / Удалён из списка доверия / removed from the trust list: "
            f"{entry.name} ({entry.sha256})"
        )
