"""Fixtures for the summaries (data builders in ``summaries_data.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from summaries_data import SPECS, Spec, chamber_records, chamber_roster

from docflow.summaries import Roster


@pytest.fixture
def roster() -> Roster:
    return chamber_roster()


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return chamber_records()


@pytest.fixture
def specs() -> Iterator[list[Spec]]:
    yield SPECS
