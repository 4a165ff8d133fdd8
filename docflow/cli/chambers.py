"""``docflow chambers …``: the chambers of this home (add, list) and the one-command migration
of a home whose records name chambers in free text."""

from __future__ import annotations

import json
from pathlib import Path

import click

from docflow.config import Home


@click.group(name="chambers")
def chambers_group() -> None:
    """Chambers of legal consultants: ids, Kazakh and Russian names, aliases."""


@chambers_group.command(name="add")
@click.argument("chamber_id")
@click.option("--kk", required=True, help="The chamber's name in Kazakh.")
@click.option("--ru", required=True, help="The chamber's name in Russian.")
@click.option("--en", default=None, help="The chamber's name in English (optional).")
@click.option("--alias", "aliases", multiple=True, help="Another name it is known by.")
@click.pass_obj
def add_cmd(
    home: Home, chamber_id: str, kk: str, ru: str, en: str | None, aliases: tuple[str, ...]
) -> None:
    """Register chamber CHAMBER_ID (e.g. karaganda), or add names to it."""
    from docflow.bodies import ChamberRegistry

    body = ChamberRegistry(home).add(chamber_id, kk=kk, ru=ru, en=en, aliases=aliases)
    extra = f"  [{'; '.join(body.aliases)}]" if body.aliases else ""
    click.echo(f"{body.id}: {body.kk} / {body.ru}{extra}")


@chambers_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--locale", type=click.Choice(["kk", "ru", "en"]), default=None)
@click.pass_obj
def list_cmd(home: Home, as_json: bool, locale: str | None) -> None:
    """The registered chambers and the Collegium."""
    from docflow.bodies import ChamberRegistry

    bodies = ChamberRegistry(home).bodies()
    if as_json:
        click.echo(json.dumps([b.to_json() for b in bodies], ensure_ascii=False, indent=2))
        return
    for b in bodies:
        names = b.name(locale) if locale else f"{b.kk} / {b.ru}"
        extra = f"  [{'; '.join(b.aliases)}]" if b.aliases else ""
        click.echo(f"{b.id:<16} {names}{extra}")


@chambers_group.command(name="migrate")
@click.option(
    "--alias",
    "aliases",
    multiple=True,
    metavar="ID=NAME",
    help="NAME (as found in the records) is chamber ID; repeat for a chamber's kk and ru names.",
)
@click.option(
    "--map",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JSON/YAML {id: {kk, ru, en, aliases: [...]}} of the chambers to register first.",
)
@click.option(
    "--legacy-chamber",
    default=None,
    metavar="ID",
    help="The chamber of officer/chair/issuer keys enrolled before chambers existed.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def migrate_cmd(
    home: Home,
    aliases: tuple[str, ...],
    mapping_file: Path | None,
    legacy_chamber: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Turn the free-text chamber names of this home's archive, rosters and enrolments into
    chamber ids. Signed records are not rewritten: `docflow archive audit` still passes."""
    from docflow.chambers import load_mapping, migrate_home, parse_alias

    report = migrate_home(
        home,
        mapping=load_mapping(mapping_file) if mapping_file else None,
        aliases=[parse_alias(a) for a in aliases],
        legacy_chamber=legacy_chamber,
        dry_run=dry_run,
    )
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    head = "would " if dry_run else ""
    for body in report.created:
        click.echo(f"{head}create {body.id}: {body.kk} / {body.ru}")
    for name, chamber_id in sorted(report.resolved.items()):
        click.echo(f"  «{name}» → {chamber_id}")
    click.echo(
        f"{head}link {report.records_linked} archive record(s) to their chamber id "
        f"({report.records_with_id} already carry one); rosters: {len(report.rosters)}; "
        f"offices recorded: {report.offices_recorded}; legacy offices given a chamber: "
        f"{len(report.legacy_assigned)}"
    )
    for note in report.notes:
        click.echo(f"note: {note}")


def register(group: click.Group) -> None:
    group.add_command(chambers_group)
