"""M-2.6q, M-2.7q: the support of the territorial bar collegia, counted.

The seed: "Бастаманы қолдау кемінде аумақтық алқалардың үштен екісі төрағаларының қолы қойылған
ресми шешімдермен расталады" — support is confirmed by official decisions, signed by their
chairs, of at least two thirds of the territorial collegia. docflow reads that as:

* **two thirds of all** the collegia of ``roadmap_collegia.yaml`` (N), not of those that
  answered: ``support_needed(N) = ceil(2/3 · N)`` (14 of 20);
* **signed by its chair**: a decision counts only when the certificate that signed it holds
  the office ``chair`` of *that* collegium in docflow's office records
  (``OfficeRegistry.role_of``), whatever name the input gives; any other signature — a
  member's, another collegium's chair's — is not that collegium's official decision and
  counts **not at all** (it does not replace an earlier valid one either);
* **one position per collegium**: a later decision of the same collegium (by its date, then
  by the order of filing) **replaces** the earlier one — the latest counts, whether it
  supports or withdraws support;
* **"белгіленген мерзімде"** (within the set term): a decision after the ``answer_by`` of the
  chair's letter still counts (the seed sets no consequence for lateness) but is flagged
  **late** in the status and in the confirmation.

``tally`` is pure; ``support_state`` reads the archive and the offices.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from docflow.bodies import OfficeRegistry
from docflow.config import Home
from docflow.roadmap.directions import Roadmap, load_roadmap, support_needed

__all__ = [
    "SupportDecision",
    "SupportTally",
    "signature_offices",
    "support_decisions",
    "support_state",
    "tally",
]


@dataclass(frozen=True)
class SupportDecision:
    """One archived collegium decision, with the office its signature was made in."""

    record: str
    collegium: str
    position: str  # supports | does_not_support
    decided_on: date
    decision_no: str
    signer_name: str
    signed_as: tuple[str, str | None] | None  # (role, body) of the signing certificate
    order: int = 0  # filing order (archive log order)
    late: bool = False

    @property
    def by_chair(self) -> bool:
        return self.signed_as == ("chair", self.collegium)

    def to_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "collegium": self.collegium,
            "position": self.position,
            "decided_on": self.decided_on.isoformat(),
            "decision_no": self.decision_no,
            "signer": self.signer_name,
            "signed_as": list(self.signed_as) if self.signed_as else None,
            "late": self.late,
        }


@dataclass(frozen=True)
class SupportTally:
    direction: str
    total: int
    needed: int
    #: The counting decision of each collegium that supports (the latest of its chair's).
    supporting: tuple[SupportDecision, ...]
    #: The counting decision of each collegium that does not support.
    against: tuple[SupportDecision, ...]
    #: Decisions that do not count, with why: not_chair | replaced | unknown_collegium.
    ignored: tuple[tuple[SupportDecision, str], ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return len(self.supporting)

    @property
    def confirmed(self) -> bool:
        return self.total > 0 and self.count >= self.needed

    def text(self, locale: str) -> str:
        """``k of N (need M)`` in the reader's language."""
        if locale == "kk":
            return f"{self.total} алқаның {self.count} қолдады (кемінде {self.needed} қажет)"
        if locale == "ru":
            return f"{self.count} из {self.total} (нужно не менее {self.needed})"
        return f"{self.count} of {self.total} (need {self.needed})"

    def to_json(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "total": self.total,
            "needed": self.needed,
            "count": self.count,
            "confirmed": self.confirmed,
            "supporting": [d.to_json() for d in self.supporting],
            "against": [d.to_json() for d in self.against],
            "ignored": [{**d.to_json(), "reason": why} for d, why in self.ignored],
        }


def tally(
    direction: str,
    decisions: Iterable[SupportDecision],
    collegia: Sequence[str],
    *,
    answer_by: dict[str, date] | None = None,
) -> SupportTally:
    """Count the decisions as the module's docstring says: chair-signed only, the latest per
    collegium, two thirds of all ``collegia`` (late ones count, flagged)."""
    known = set(collegia)
    ignored: list[tuple[SupportDecision, str]] = []
    latest: dict[str, SupportDecision] = {}
    for decision in sorted(decisions, key=lambda d: (d.decided_on, d.order)):
        if decision.collegium not in known:
            ignored.append((decision, "unknown_collegium"))
            continue
        if not decision.by_chair:
            ignored.append((decision, "not_chair"))
            continue
        due = (answer_by or {}).get(decision.collegium)
        if due is not None and decision.decided_on > due:
            decision = replace(decision, late=True)
        earlier = latest.get(decision.collegium)
        if earlier is not None:
            ignored.append((earlier, "replaced"))
        latest[decision.collegium] = decision
    supporting = tuple(d for c, d in sorted(latest.items()) if d.position == "supports")
    against = tuple(d for c, d in sorted(latest.items()) if d.position != "supports")
    return SupportTally(
        direction=direction,
        total=len(collegia),
        needed=support_needed(len(collegia)),
        supporting=supporting,
        against=against,
        ignored=tuple(ignored),
    )


def signature_offices(pdf: bytes, offices: OfficeRegistry) -> dict[str, tuple[str, str | None]]:
    """Signature field → (role, body) of the certificate that signed it, from docflow's
    office records; a certificate no office was recorded for is left out."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    out: dict[str, tuple[str, str | None]] = {}
    reader = PdfFileReader(io.BytesIO(pdf))
    for signature in reader.embedded_regular_signatures:
        office = offices.role_of(signature.signer_cert)
        if office is not None:
            out[signature.field_name] = office
    return out


def support_decisions(archive: Any, home: Home, direction: str) -> list[SupportDecision]:
    """Every archived collegium decision on ``direction``, in filing order."""
    offices = OfficeRegistry(home)
    out = []
    for order, record in enumerate(archive.search(kind="roadmap-support")):
        data = record.get("data") or {}
        if data.get("direction") != direction or record.get("status") == "revoked":
            continue
        roadmap = record.get("roadmap") or {}
        signed_as = roadmap.get("signed_as", {}).get("chair")
        if signed_as is None:
            # Older record without the office: read it from the signed PDF.
            found = signature_offices(archive.pdf_bytes(record["id"]), offices).get("chair")
            signed_as = list(found) if found else None
        out.append(
            SupportDecision(
                record=str(record["id"]),
                collegium=str(data["collegium"]),
                position=str(data["position"]),
                decided_on=date.fromisoformat(data["decided_on"]),
                decision_no=str(data["decision_no"]),
                signer_name=str((data.get("chair") or {}).get("full_name", "")),
                signed_as=(signed_as[0], signed_as[1]) if signed_as else None,
                order=order,
            )
        )
    return out


def letters_answer_by(archive: Any, direction: str) -> dict[str, date]:
    """Collegium → the answer date of the chair's (latest) letter to it."""
    out: dict[str, date] = {}
    for record in archive.search(kind="roadmap-support-letter"):
        data = record.get("data") or {}
        if data.get("direction") == direction:
            out[str(data["collegium"])] = date.fromisoformat(data["answer_by"])
    return out


def support_state(
    archive: Any,
    home: Home,
    direction: str,
    *,
    extra: Sequence[SupportDecision] = (),
    roadmap: Roadmap | None = None,
) -> SupportTally:
    """The tally of ``direction`` from the archive (plus ``extra``: a decision being filed)."""
    roadmap = roadmap or load_roadmap()
    decisions = support_decisions(archive, home, direction)
    decisions.extend(replace(d, order=len(decisions) + i) for i, d in enumerate(extra))
    return tally(
        direction,
        decisions,
        [c.id for c in roadmap.collegia],
        answer_by=letters_answer_by(archive, direction),
    )
