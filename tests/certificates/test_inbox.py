"""The inbox path: an event-certificates YAML dropped into inbox/ ends ``archived`` with one
certificate record per participant; the same bytes dropped again are a duplicate."""

from __future__ import annotations

import json

import pytest

from docflow.workflow.cpd import Pipeline
from docflow.workflow.runner import Runner

from .conftest import KK_PARTICIPANTS, KkBatch, World, batch, yaml_bytes

pytestmark = pytest.mark.slow


def test_dropped_batch_is_archived_with_one_record_per_participant(
    world: World, kk_batch: KkBatch
) -> None:
    assert kk_batch.state == "archived", kk_batch.reason
    assert len(kk_batch.records) == len(KK_PARTICIPANTS)
    assert not list((world.home.state / "work").iterdir())  # work folder removed
    entry = next(e for e in world.parts.journal.entries() if e.source == "seminar-2025-03.yaml")
    assert entry.record == kk_batch.records[0]["serial"]
    assert json.loads(entry.details or "[]") == [r["serial"] for r in kk_batch.records]
    for record in kk_batch.records:
        assert record["source"] == "seminar-2025-03.yaml"
        assert [e["type"] for e in record["events"]] == [
            "received",
            "rendered",
            "signed",
            "archived",
        ]


def test_the_same_batch_dropped_again_is_a_duplicate(world: World, kk_batch: KkBatch) -> None:
    before = len(world.archive.search(kind="certificate"))
    (world.home.inbox / "copy.yaml").write_bytes(yaml_bytes(batch("kk", KK_PARTICIPANTS)))
    runner = Runner(world.home, Pipeline(world.parts), workers=1, settle=0)
    try:
        runner.run_once()
        states = {e.source: e.state for e in runner.journal.entries()}
    finally:
        runner.close()
    assert states["copy.yaml"] == "duplicate"
    assert len(world.archive.search(kind="certificate")) == before
