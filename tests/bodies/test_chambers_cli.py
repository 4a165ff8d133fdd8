"""``docflow chambers add|list|migrate`` through the real command line entry point."""

from __future__ import annotations

import json

from click.testing import CliRunner

from docflow.cli import main
from docflow.config import Home

from .conftest import KARAGANDA_KK, KARAGANDA_RU


def test_chambers_add_then_list_json(home: Home) -> None:
    runner = CliRunner()
    base = ["--home", str(home.root), "chambers"]
    added = runner.invoke(
        main,
        [*base, "add", "karaganda", "--kk", KARAGANDA_KK, "--ru", KARAGANDA_RU,
         "--alias", "Карагандинская палата", "--alias", "ЗКП Караганды"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, [*base, "list", "--json"])
    assert listed.exit_code == 0
    bodies = json.loads(listed.output)
    assert [b["id"] for b in bodies] == ["karaganda", "collegium"]
    assert bodies[0]["aliases"] == ["Карагандинская палата", "ЗКП Караганды"]
    assert bodies[1]["kind"] == "collegium"
    in_russian = runner.invoke(main, [*base, "list", "--locale", "ru"])
    assert KARAGANDA_RU in in_russian.output and KARAGANDA_KK not in in_russian.output


def test_chambers_add_conflict_is_a_plain_error(home: Home) -> None:
    runner = CliRunner()
    base = ["--home", str(home.root), "chambers", "add"]
    runner.invoke(main, [*base, "karaganda", "--kk", KARAGANDA_KK, "--ru", KARAGANDA_RU])
    clash = runner.invoke(main, [*base, "other", "--kk", "Басқа", "--ru", KARAGANDA_RU.upper()])
    assert clash.exit_code != 0
    assert "already belongs to chamber karaganda" in str(clash.exception)


def test_migrate_rejects_a_malformed_alias(home: Home) -> None:
    result = CliRunner().invoke(
        main, ["--home", str(home.root), "chambers", "migrate", "--alias", "no equals sign"]
    )
    assert result.exit_code != 0 and "ID=NAME" in str(result.exception)
