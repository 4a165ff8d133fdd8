"""The audit trail of a document: one ``EventType`` enum and one typed ``AuditEvent``.

Every archive record's ``events`` list is built from these (modelled on Documenso's
document-audit-logs): the type says what happened, ``actor`` who did it, ``detail`` the one
fact that goes with it. The JSON shape (``type``, ``at``, ``actor``, ``detail``) is the
archive's, documented in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["AuditEvent", "EventType"]


class EventType(StrEnum):
    RECEIVED = "received"  # detail: the file name as dropped
    CHECKED = "checked"  # detail: the verdict in a few words
    RENDERED = "rendered"  # detail: the template's file name
    SIGNED = "signed"  # detail: the signer's role
    APPROVED = "approved"  # detail: the officer's decided points (JSON)
    COMMENTED = "commented"  # detail: the officer's comment
    RETURNED = "returned"  # detail: the remarks, or the report returned
    ARCHIVED = "archived"  # detail: the record id


@dataclass(frozen=True)
class AuditEvent:
    type: EventType
    actor: str
    detail: str | None = None
    #: When it happened; None: the moment the record is written.
    at: str | None = None

    @classmethod
    def received(cls, source: str, at: str | None, actor: str = "inbox") -> AuditEvent:
        return cls(EventType.RECEIVED, actor, source, at)

    @classmethod
    def checked(cls, summary: str) -> AuditEvent:
        return cls(EventType.CHECKED, "docflow", summary)

    @classmethod
    def rendered(cls, template: str) -> AuditEvent:
        return cls(EventType.RENDERED, "docflow", template)

    @classmethod
    def signed(cls, name: str, role: str) -> AuditEvent:
        return cls(EventType.SIGNED, name, role)

    @classmethod
    def archived(cls, record_id: str) -> AuditEvent:
        return cls(EventType.ARCHIVED, "docflow", record_id)

    def to_json(self, now: datetime) -> dict[str, str | None]:
        return {
            "type": self.type.value,
            "at": self.at or now.isoformat(timespec="seconds"),
            "actor": self.actor,
            "detail": self.detail,
        }


def events_json(events: list[AuditEvent], now: datetime) -> list[dict[str, str | None]]:
    return [e.to_json(now) for e in events]
