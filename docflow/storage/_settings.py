"""Where the archive lives: the ``[storage]`` table of ``docflow.toml``.

```toml
[storage]
database = "postgresql://docflow@db.example.kz/docflow"   # default: the embedded SQLite index
objects = "s3://docflow-archive"                           # default: the files in outbox/
retention_years = 50                                       # Object Lock COMPLIANCE retention
```

The S3 endpoint and credentials come from the environment (``DOCFLOW_S3_ENDPOINT``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``), never from the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docflow.errors import ConfigError

DEFAULT_RETENTION_YEARS = 50


@dataclass(frozen=True)
class StorageSettings:
    """``database``/``objects`` ``None`` mean the embedded default (SQLite and ``outbox/``)."""

    database: str | None = None
    objects: str | None = None
    retention_years: int = DEFAULT_RETENTION_YEARS

    @property
    def scaled(self) -> bool:
        """True when the archive lives in a database and/or an object store by URL."""
        return self.database is not None or self.objects is not None

    def store_url(self, state: Path, file_name: str) -> str:
        """Where a store of its own (the web's users, the summaries) lives: the PostgreSQL
        database of ``[storage] database`` when there is one (each store has its own tables and
        version table there), else the SQLite file ``file_name`` in the home's ``.docflow/``
        (an embedded home's, or one whose archive alone is in another SQLite file)."""
        if self.database is not None and self.database.startswith("postgresql"):
            return self.database
        return f"sqlite:///{state / file_name}"

    @classmethod
    def from_raw(cls, raw: dict[str, Any], where: str = "docflow.toml") -> StorageSettings:
        table = raw.get("storage", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [storage] must be a table")
        unknown = set(table) - {"database", "objects", "retention_years"}
        if unknown:
            raise ConfigError(f"{where}: [storage] has unknown keys {sorted(unknown)}")
        database, objects = table.get("database"), table.get("objects")
        for key, value in (("database", database), ("objects", objects)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"{where}: [storage] {key} must be a URL string")
        if database is not None and not database.startswith(("sqlite:///", "postgresql")):
            raise ConfigError(
                f"{where}: [storage] database must be sqlite:///... or postgresql://..., "
                f"not {database!r}"
            )
        if objects is not None and not objects.startswith("s3://"):
            raise ConfigError(f"{where}: [storage] objects must be s3://bucket, not {objects!r}")
        years = table.get("retention_years", DEFAULT_RETENTION_YEARS)
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
            raise ConfigError(f"{where}: [storage] retention_years must be 1..100, not {years!r}")
        return cls(database=database, objects=objects, retention_years=years)

    @classmethod
    def from_home(cls, home_root: Path) -> StorageSettings:
        """Read only the ``[storage]`` table (cheap: every ``Archive(home)`` asks)."""
        import tomllib

        path = home_root / "docflow.toml"
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
        return cls.from_raw(raw, str(path))


#: How long a worker may go without a heartbeat before its jobs are taken again (seconds).
DEFAULT_STALLED_AFTER = 30.0
#: When a worker renews the archive's timestamps (02:30 in Kazakhstan when the host runs UTC).
DEFAULT_RENEW_CRON = "30 21 * * *"


@dataclass(frozen=True)
class QueueSettings:
    """Where submissions wait for a worker: the ``[queue]`` table of ``docflow.toml``.

    ```toml
    [queue]
    backend = "postgres"   # default "local": `docflow watch` runs them in its own processes
    stalled_after = 30     # seconds without a worker's heartbeat before its jobs are retried
    renew_cron = "30 21 * * *"  # when the archive's timestamps are renewed (daily; host time)
    ```

    ``postgres`` keeps the journal, the submissions' bytes and the job queue (procrastinate)
    in the ``[storage] database``, which must then be a ``postgresql://`` URL. ``renew_cron``
    (cron syntax, a sixth field for seconds allowed) is when one of the workers renews the
    archive's timestamps (``docflow archive renew``): once per tick for all workers together.
    """

    backend: str = "local"
    database: str | None = None
    stalled_after: float = DEFAULT_STALLED_AFTER
    renew_cron: str = DEFAULT_RENEW_CRON

    @property
    def shared(self) -> bool:
        """True when watch nodes hand their submissions to ``docflow worker`` processes."""
        return self.backend == "postgres"

    @classmethod
    def from_raw(cls, raw: dict[str, Any], where: str = "docflow.toml") -> QueueSettings:
        table = raw.get("queue", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [queue] must be a table")
        unknown = set(table) - {"backend", "stalled_after", "renew_cron"}
        if unknown:
            raise ConfigError(f"{where}: [queue] has unknown keys {sorted(unknown)}")
        backend = table.get("backend", "local")
        if backend not in ("local", "postgres"):
            raise ConfigError(f'{where}: [queue] backend must be "local" or "postgres"')
        stalled = table.get("stalled_after", DEFAULT_STALLED_AFTER)
        if isinstance(stalled, bool) or not isinstance(stalled, int | float) or stalled < 2:
            raise ConfigError(f"{where}: [queue] stalled_after must be a number >= 2")
        renew_cron = table.get("renew_cron", DEFAULT_RENEW_CRON)
        if "renew_cron" in table and not (isinstance(renew_cron, str) and _valid_cron(renew_cron)):
            raise ConfigError(
                f'{where}: [queue] renew_cron must be a cron line, e.g. "30 21 * * *"'
            )
        database = StorageSettings.from_raw(raw, where).database
        if backend == "postgres" and not (database or "").startswith("postgresql"):
            raise ConfigError(
                f'{where}: [queue] backend = "postgres" needs [storage] database = '
                '"postgresql://..." (the queue lives in that database)'
            )
        return cls(
            backend=backend,
            database=database,
            stalled_after=float(stalled),
            renew_cron=renew_cron,
        )

    @classmethod
    def from_home(cls, home_root: Path) -> QueueSettings:
        import tomllib

        path = home_root / "docflow.toml"
        if not path.exists():
            return cls()
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
        return cls.from_raw(raw, str(path))


def _valid_cron(line: str) -> bool:
    from croniter import croniter

    return bool(croniter.is_valid(line))
