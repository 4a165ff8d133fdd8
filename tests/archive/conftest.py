"""Fixtures of the archive tests: a fixed clock, an open archive, one with five reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from archive_helpers import FixedClock, make_pdf, make_record

from docflow.archive import Archive
from docflow.config import Home


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 2, 10, 9, 30, tzinfo=UTC))


@pytest.fixture
def archive(home: Home, clock: FixedClock) -> Iterator[Archive]:
    arch = Archive(home, clock=clock)
    yield arch
    arch.close()


@pytest.fixture
def filled(archive: Archive) -> Archive:
    """An archive with five reports."""
    for i in range(5):
        archive.store(make_record(i), make_pdf(i), record_id=f"R-2025-{i:04d}")
    return archive
