"""Fixtures for the workflow's end-to-end tests: a home with a demo PKI on a free port, and a
builder of submissions (ZIP with real small PDF evidence, or plain YAML)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from docflow.config import Home
from docflow.pki.testing import make_test_pki


@pytest.fixture
def pki_home(home: Home) -> Home:
    make_test_pki(home)
    return home


@pytest.fixture
def drop(pki_home: Home) -> Callable[[str, bytes], Path]:
    def _drop(name: str, content: bytes) -> Path:
        # Write-then-rename, as a careful sender does; the watcher must cope with either.
        temp = pki_home.inbox / f".{name}.part"
        temp.write_bytes(content)
        target = pki_home.inbox / name
        temp.rename(target)
        return target

    return _drop


@pytest.fixture
def workflow(pki_home: Home) -> Iterator[Any]:
    """An in-process runner over the real pipeline (LibreOffice, pyHanko, loopback TSA/OCSP)."""
    from datetime import date

    from docflow.config import Clock
    from docflow.inbox.runner import Runner
    from docflow.workflow.build import build_flow
    from docflow.workflow.services import build_services

    parts = build_services(pki_home, clock=Clock(date(2026, 2, 10)))
    runner = Runner(pki_home, build_flow(parts), workers=2, settle=0)
    runner.parts = parts  # type: ignore[attr-defined]
    try:
        yield runner
    finally:
        runner.close()
        parts.close()
