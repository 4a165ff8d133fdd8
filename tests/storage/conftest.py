"""Fixtures of the storage tests: the REAL scaled-out servers (PostgreSQL and SeaweedFS S3 from
scripts/scale-up.sh, started here when they are not up), a private PostgreSQL schema per test
and a home whose docflow.toml points the archive at them. No mocks, no moto."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "archive"))

from docflow.config import Home

REPO = Path(__file__).resolve().parents[2]
SCALE_UP = REPO / "scripts" / "scale-up.sh"


@pytest.fixture(scope="session")
def scale_env() -> Iterator[dict[str, str]]:
    """Start the servers if needed (idempotent) and put their variables in the environment;
    servers started here are stopped at the end of the session (2 shared cores)."""
    env = {**os.environ, "PYTHON": sys.executable}
    started = False
    if subprocess.run([str(SCALE_UP), "status"], env=env, capture_output=True).returncode != 0:
        done = subprocess.run(
            [str(SCALE_UP), "start"], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr
        started = True
    out = subprocess.run([str(SCALE_UP), "env"], env=env, capture_output=True, text=True)
    values = {}
    for line in out.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        values[key] = value
    os.environ.update(values)
    yield values
    if started:
        subprocess.run([str(SCALE_UP), "stop"], env=env, capture_output=True, timeout=120)


@pytest.fixture
def pg_url(scale_env: dict[str, str]) -> Iterator[str]:
    """A database URL whose search path is a fresh schema (dropped afterwards)."""
    from docflow.storage import open_database

    base = scale_env["DOCFLOW_DATABASE_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    database = open_database(base, schema=schema)
    yield f"{base}?options=-csearch_path%3D{schema}"
    database.drop_schema()
    database.dispose()


@pytest.fixture
def scaled_home(tmp_path: Path, pg_url: str, scale_env: dict[str, str]) -> Home:
    home = Home(tmp_path / "home").ensure()
    (home.root / "docflow.toml").write_text(
        f'[storage]\ndatabase = "{pg_url}"\nobjects = "s3://{scale_env["DOCFLOW_S3_BUCKET"]}"\n',
        encoding="utf-8",
    )
    return home
