"""Past validation through the archival timestamp chain (PAdES-LTA, simplified).

A signature or timestamp whose certificates have since expired, or whose revocation answers
are no longer fresh, still proves something if a later document timestamp, itself valid, shows
that it existed before then. Each item is judged first as verify always did (at ``at``, or its
own timestamp's time); only an INDETERMINATE verdict is looked at again:

* the newest document timestamp, when its authority is still trusted at ``at`` and only the
  revocation answers went stale, is judged at its own time (its authority's certificate has not
  ended: renewal happens before it does, ``docflow archive renew``);
* anything older is judged at its own time (a document timestamp's, a signature's timestamp)
  when a later document timestamp that was judged valid proves it existed then.

INVALID stays INVALID: a changed byte or a revoked key is never excused by a later timestamp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from asn1crypto import cms

from docflow.verify._report import SignatureStatus

#: judge(embedded signature, 1-based index, validation time or None) -> status
Judge = Callable[[Any, int, datetime | None], SignatureStatus]


def _is_doc_timestamp(emb: Any) -> bool:
    try:
        return bool(emb.sig_object_type == "/DocTimeStamp")
    except Exception:
        return False


def _token_time(signed_data: cms.SignedData) -> datetime | None:
    try:
        tst_info = signed_data["encap_content_info"]["content"].parsed
        value = tst_info["gen_time"].native
        return value if isinstance(value, datetime) else None
    except Exception:
        return None


def own_time(emb: Any) -> datetime | None:
    """A document timestamp's time, or the time in a signature's own timestamp token."""
    try:
        if _is_doc_timestamp(emb):
            return _token_time(emb.signed_data)
        attrs = emb.signer_info["unsigned_attrs"]
        for attr in attrs or ():
            if attr["type"].native == "signature_time_stamp_token":
                return _token_time(attr["values"][0]["content"])
    except Exception:
        return None
    return None


def judge_with_proofs(
    embedded: Sequence[Any], at: datetime | None, judge: Judge
) -> tuple[SignatureStatus, ...]:
    """Every item's status, newest first internally, returned in document order."""
    results: list[SignatureStatus | None] = [None] * len(embedded)
    proven_until: datetime | None = None  # time proven by a later valid document timestamp
    seen_doc_ts = False
    for i in range(len(embedded) - 1, -1, -1):
        emb = embedded[i]
        index = i + 1
        doc_ts = _is_doc_timestamp(emb)
        status = judge(emb, index, at)
        mine = own_time(emb)
        # Nothing made after the validation time can be shown to have existed at it.
        existed = mine is not None and (at is None or mine <= at)
        if status.verdict == "indeterminate" and mine is not None and existed:
            proven = proven_until is not None and mine <= proven_until
            newest_stale = (
                doc_ts and not seen_doc_ts and status.trusted and status.revocation == "unknown"
            )
            if proven or newest_stale:
                again = judge(emb, index, mine)
                if again.verdict == "valid":
                    status = again
        if doc_ts:
            seen_doc_ts = True
            if status.verdict == "valid" and mine is not None and existed:
                proven_until = mine if proven_until is None else min(proven_until, mine)
        results[i] = status
    return tuple(s for s in results if s is not None)
