"""The tamper-evident archive in ``outbox/``: record files, SQLite index, hash-chained log,
audit and BagIt export. ``Archive(home)`` is the entry point."""

from docflow.archive import _archive
from docflow.archive._archive import (
    CONTRACT_KEYS,
    Archive,
    RecoveryReport,
    StoredRecord,
    has_archive,
    pdf_lookup,
)
from docflow.archive._audit import AuditProblem, AuditReport, Verifier
from docflow.archive._index import COUNT_CAP
from docflow.archive._layout import default_series_key, slugify
from docflow.archive._log import Head
from docflow.archive._renew import (
    RenewalDue,
    RenewalResult,
    due_records,
    newest_timestamp,
    renew_due,
    renew_margin,
    renew_pdf,
)


def _scaled_archive() -> type[Archive]:
    # Imported on first use only: SQLAlchemy and boto3 stay out of the embedded default.
    from docflow.archive._scaled import ScaledArchive

    return ScaledArchive


_archive._scaled_class = _scaled_archive


__all__ = [
    "CONTRACT_KEYS",
    "COUNT_CAP",
    "Archive",
    "AuditProblem",
    "AuditReport",
    "Head",
    "RecoveryReport",
    "RenewalDue",
    "RenewalResult",
    "StoredRecord",
    "Verifier",
    "default_series_key",
    "due_records",
    "has_archive",
    "newest_timestamp",
    "pdf_lookup",
    "renew_due",
    "renew_margin",
    "renew_pdf",
    "slugify",
]
