"""Shared fixtures: a fixed clock and a temporary docflow home (and, from tests/support, one
demo PKI per session). Subsystems keep their own fixtures in tests/<module>/conftest.py."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from docflow.config import Home

# The shared trust-services process of each test home ends 20 s after its last request (the
# default, 120 s, suits a chamber's machine; a test run makes hundreds of homes).
os.environ.setdefault("DOCFLOW_SERVICES_IDLE", "20")

# One demo PKI per session and the other shared helpers: tests/support/.
pytest_plugins = ["tests.support.fixtures"]

#: The fixed "today" of the test suite: reports for 2025 are being filed.
TODAY = date(2026, 2, 10)
NOW = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(tmp_path / "home").ensure()
