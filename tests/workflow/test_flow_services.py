"""What the signer service keeps between the signatures of a document: one validation context per
document, within the revocation-reuse window, never shared between two documents."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from docflow.config import Home
from docflow.pki import ServiceEndpoints
from docflow.workflow.services import PadesSigner, build_services


def _endpoints(max_age: float) -> ServiceEndpoints:
    return ServiceEndpoints(
        tsa_url="http://127.0.0.1:9/tsa", trust_roots=(), revocation_max_age=max_age
    )


def test_one_context_per_document_within_the_window(tmp_path: Path) -> None:
    parts = build_services(Home(tmp_path / "home"))
    signer = parts.signer
    assert isinstance(signer, PadesSigner)
    try:
        endpoints = _endpoints(60)
        first = signer.document_context("S1", endpoints)
        assert first is not None
        assert signer.document_context("S1", endpoints) is first
        assert signer.document_context("S2", endpoints) is not first
        assert signer.document_context(None, endpoints) is None  # unnamed: its own context

        no_reuse = _endpoints(0)
        assert signer.document_context("S1", no_reuse) is None

        short = dataclasses.replace(endpoints, revocation_max_age=0.05)
        kept = signer.document_context("S3", short)
        time.sleep(0.1)
        assert signer.document_context("S3", short) is not kept  # older than the window
    finally:
        parts.close()


def test_only_a_few_contexts_are_kept(tmp_path: Path) -> None:
    parts = build_services(Home(tmp_path / "home"))
    signer = parts.signer
    assert isinstance(signer, PadesSigner)
    try:
        endpoints = _endpoints(60)
        oldest = signer.document_context("D0", endpoints)
        for i in range(1, 20):
            signer.document_context(f"D{i}", endpoints)
        assert len(signer._contexts) <= 8
        assert signer.document_context("D0", endpoints) is not oldest
    finally:
        parts.close()
