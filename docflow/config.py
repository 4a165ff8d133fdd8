"""A docflow home folder (``Home``) and what its ``docflow.toml`` says (``Settings``)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from docflow.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
#: The default templates shipped with docflow (a chamber may point to its own in docflow.toml).
DEFAULT_TEMPLATES = PACKAGE_DIR.parent / "templates"


@dataclass(frozen=True)
class Settings:
    """The contents of ``docflow.toml``; every key optional.

    ```toml
    base_url = "https://docflow.example.kz"   # QR codes point to <base_url>/v/<serial>
    templates = "my-templates"                # relative to the home
    auto_countersign = true                   # officer signs automatically where no human is needed
    workers = 2                               # submissions worked on at once
    worker_processes = true                   # `watch` works in processes (false: threads)
    converters = 2                            # warm LibreOffice processes (~210 MB each)
    kinds = "kinds"                           # the chamber's own document kinds (*.toml)
    [services]
    tsa_url = "http://..."                    # production TSA; default: the demo TSA on loopback
    revocation_cache_seconds = 60             # how long a signing process reuses OCSP/CRL answers
    ```
    """

    base_url: str = "http://127.0.0.1:8000"
    templates: Path = DEFAULT_TEMPLATES
    auto_countersign: bool = True
    workers: int = 2
    #: ``watch`` runs each submission in one of ``workers`` processes (both cores; one shared
    #: LibreOffice) rather than on threads of one process (one core: the GIL).
    worker_processes: bool = True
    converters: int = 2
    tsa_url: str | None = None
    #: How long a signing process reuses an OCSP response or CRL (``docflow.pki._revcache``);
    #: 0 fetches them for every signature.
    revocation_cache_seconds: float = 60.0
    #: A folder of the chamber's own document kinds (``*.toml``), beside the packaged ones.
    kinds: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, home: Path) -> Settings:
        path = home / "docflow.toml"
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
        templates = Path(data.get("templates", DEFAULT_TEMPLATES))
        if not templates.is_absolute():
            templates = home / templates
        services = data.get("services", {})
        kinds = Path(data["kinds"]) if "kinds" in data else None
        if kinds is not None and not kinds.is_absolute():
            kinds = home / kinds
        try:
            return cls(
                base_url=str(data.get("base_url", cls.base_url)).rstrip("/"),
                templates=templates,
                auto_countersign=bool(data.get("auto_countersign", True)),
                workers=max(1, int(data.get("workers", 2))),
                worker_processes=_boolean(data.get("worker_processes", True), "worker_processes"),
                converters=max(1, int(data.get("converters", 2))),
                tsa_url=services.get("tsa_url"),
                revocation_cache_seconds=_seconds(
                    services.get("revocation_cache_seconds", 60.0),
                    "[services] revocation_cache_seconds",
                ),
                kinds=kinds,
                raw=data,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc


def _seconds(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a number >= 0, not {value!r}")
    return float(value)


def _boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, not {value!r}")
    return value


@dataclass(frozen=True)
class Home:
    """A docflow home folder: ``inbox/``, ``outbox/``, ``certs/``, optional ``docflow.toml``.

    docflow's own bookkeeping (work queue, databases) lives under ``.docflow/``.
    """

    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> Home:
        chosen = path if path is not None else os.environ.get("DOCFLOW_HOME") or "."
        return cls(Path(chosen).expanduser().resolve())

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def certs(self) -> Path:
        return self.root / "certs"

    @property
    def state(self) -> Path:
        return self.root / ".docflow"

    def settings(self) -> Settings:
        return Settings.load(self.root)

    def ensure(self) -> Home:
        for folder in (self.inbox, self.outbox, self.certs, self.state):
            folder.mkdir(parents=True, exist_ok=True)
        return self


@dataclass(frozen=True)
class Clock:
    """The only clock docflow reads: every "today" and "now" of the flow comes from here.

    ``fixed_today`` replays a past day (``--today``, or ``DOCFLOW_TODAY=YYYY-MM-DD``).
    """

    fixed_today: date | None = None

    @classmethod
    def from_env(cls) -> Clock:
        value = os.environ.get("DOCFLOW_TODAY")
        try:
            return cls(date.fromisoformat(value) if value else None)
        except ValueError as exc:
            raise ConfigError(f"DOCFLOW_TODAY={value!r} is not a date YYYY-MM-DD") from exc

    def today(self) -> date:
        return self.fixed_today or datetime.now(UTC).date()

    def now(self) -> datetime:
        return datetime.now(UTC)
