"""Store throughput: the archive must not be the bottleneck of a 1,000-submission burst.

The issue's goal is ~5-7 documents/s end to end; every store costs several fsyncs (PDF, JSON,
their folders, the log, two index commits), so this keeps a margin of 4x over that goal while
leaving room for a busy shared machine. Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

import time

import pytest
from archive_helpers import make_pdf, make_record

from docflow.archive import Archive
from docflow.config import Home


@pytest.mark.slow  # a throughput measurement: the full suite runs it
def test_store_throughput(home: Home) -> None:
    pdf_pad = b"0" * 150_000  # a signed PDF/A report is ~150-300 KB
    count = 200
    with Archive(home) as archive:
        started = time.perf_counter()
        for i in range(count):
            archive.store(make_record(i), make_pdf(i) + pdf_pad, record_id=f"R-{i:05d}")
        store_s = time.perf_counter() - started

        started = time.perf_counter()
        report = archive.audit()
        audit_s = time.perf_counter() - started

        started = time.perf_counter()
        hits = archive.search(name="нұрланқызы 19")
        search_ms = (time.perf_counter() - started) * 1000

    rate = count / store_s
    print(
        f"\narchive: {rate:.0f} stores/s ({store_s * 1000 / count:.1f} ms each, 150 KB PDFs), "
        f"audit of {count} in {audit_s:.2f} s, search in {search_ms:.1f} ms"
    )
    assert report.ok and report.checked == count
    assert len(hits) == 11  # 19, 190..199
    assert rate > 20, f"only {rate:.1f} stores/s"
