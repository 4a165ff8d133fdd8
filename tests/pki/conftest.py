"""Fixtures of the PKI tests: a fresh demo PKI in the test's home, and its running services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from docflow.config import Home
from docflow.pki import Pki, TrustServices
from docflow.pki.testing import make_test_pki


@pytest.fixture
def pki(home: Home) -> Pki:
    return make_test_pki(home)


@pytest.fixture
def services(pki: Pki, home: Home) -> Iterator[TrustServices]:
    with TrustServices(home) as running:
        yield running
