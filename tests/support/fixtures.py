"""Fixtures for the whole suite (registered by tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.pki import DemoPki


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    """The session's one demo PKI; copy it into a home with ``demo_pki.copy_to(path)``."""
    return DemoPki.make(tmp_path_factory.mktemp("demo-pki") / "home")
