"""``[queue]`` in docflow.toml (issue 18): the embedded default stays as it is; the shared
queue needs a PostgreSQL database to live in. No servers needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from docflow.errors import ConfigError
from docflow.inbox.journal import Journal, SqlJournal, open_journal
from docflow.queue import conninfo_of
from docflow.storage import QueueSettings


def test_without_a_queue_table_the_embedded_journal_and_local_workers_are_used(
    tmp_path: Path,
) -> None:
    assert not QueueSettings.from_home(tmp_path).shared
    journal = open_journal(tmp_path)
    try:
        assert isinstance(journal, Journal)
        assert journal.path == tmp_path / ".docflow" / "journal.sqlite"
    finally:
        journal.close()


def test_the_postgres_queue_shares_the_journal_in_the_storage_database(tmp_path: Path) -> None:
    url = "postgresql://docflow@db.example.kz/docflow"
    (tmp_path / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{url}"\n[queue]\nbackend = "postgres"\nstalled_after = 10\n',
        encoding="utf-8",
    )
    settings = QueueSettings.from_home(tmp_path)
    assert settings.shared and settings.database == url and settings.stalled_after == 10
    assert settings.renew_cron == "30 21 * * *"  # the default: 02:30 in Kazakhstan on UTC hosts
    journal = open_journal(tmp_path)  # opened on first use only: no server needed here
    assert isinstance(journal, SqlJournal) and journal.url == url


@pytest.mark.parametrize(
    "text",
    [
        '[queue]\nbackend = "postgres"\n',  # where would it live?
        '[storage]\ndatabase = "sqlite:///x.db"\n[queue]\nbackend = "postgres"\n',
        '[queue]\nbackend = "redis"\n',  # no broker besides PostgreSQL
        '[queue]\nbackend = "local"\nworkers = 3\n',
        '[storage]\ndatabase = "postgresql://h/d"\n[queue]\nbackend = "postgres"\n'
        "stalled_after = 0\n",
        '[storage]\ndatabase = "postgresql://h/d"\n[queue]\nbackend = "postgres"\n'
        'renew_cron = "every night"\n',  # not a cron line
    ],
)
def test_a_queue_table_that_cannot_work_is_refused_at_start(tmp_path: Path, text: str) -> None:
    (tmp_path / "docflow.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        QueueSettings.from_home(tmp_path)


def test_the_queue_connects_with_libpq_uris_only() -> None:
    assert conninfo_of("postgresql+psycopg://u@h:5/d?options=x") == "postgresql://u@h:5/d?options=x"
    with pytest.raises(ValueError):
        conninfo_of("sqlite:///x.db")


def test_docflow_worker_without_the_shared_queue_says_what_to_configure(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from docflow.cli import main

    result = CliRunner().invoke(main, ["--home", str(tmp_path), "--lang", "ru", "worker"])
    assert result.exit_code != 0
    assert 'backend = "postgres"' in result.output and "общая очередь" in result.output
