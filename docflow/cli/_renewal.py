"""The archive's timestamps renewed before they expire (issue 16), for the long-running
commands: ``docflow watch`` (embedded: a thread, once at start and then daily) and
``docflow worker`` (scaled out: a periodic job of the shared queue, run by one worker per
``[queue] renew_cron`` tick, ``docflow.queue.schedule_renewal``)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from docflow.config import Home

log = logging.getLogger("docflow.renew")


def renew_once(home: Home, archive: Any, endpoints: Any, today: Any) -> tuple[int, int]:
    """``docflow archive renew`` over the records due: every record whose newest timestamp's
    authority certificate (or hash) ends within ``[archive] renew_margin`` gets fresh
    revocation data and a new document timestamp, archived only when the renewed PDF
    verifies. Returns (renewed, failed); each failure is logged and tried again next time."""
    from docflow.archive import renew_due
    from docflow.cli.verify import trust_anchors_for

    anchors, intermediates = trust_anchors_for(home)
    results = renew_due(
        archive, endpoints, today,
        verify=partial(_verdict, anchors=anchors, intermediates=intermediates),
        trust=(anchors, intermediates),
    )  # fmt: skip
    renewed = failed = 0
    for r in results:
        if r.renewed_as:
            log.info("renewed %s as %s", r.record, r.renewed_as)
            renewed += 1
        else:
            log.warning("could not renew %s: %s", r.record, r.error)
            failed += 1
    return renewed, failed


def _verdict(pdf: bytes, *, anchors: list[Any], intermediates: list[Any]) -> str:
    from docflow.verify import verify_pdf

    return verify_pdf(pdf, trust_roots=anchors, other_certs=intermediates).verdict
