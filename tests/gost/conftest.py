"""The NCA RK test material (``../shared/kz-pki/`` beside the repository) and GOST helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from docflow.gost import install

#: ../shared/kz-pki relative to the repository root (read-only test material, see its README).
KZ_PKI = Path(__file__).resolve().parents[2].parent / "shared" / "kz-pki"


@pytest.fixture(scope="session")
def kz_pki() -> Path:
    if not KZ_PKI.is_dir():
        pytest.fail(f"the NCA RK test material is missing: {KZ_PKI}")
    install()
    return KZ_PKI
