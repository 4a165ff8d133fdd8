"""The tamper-evident archive in ``outbox/``: record files, SQLite index, hash-chained log,
audit and BagIt export. ``Archive(home)`` is the entry point."""

from docflow.archive._archive import (
    CONTRACT_KEYS,
    Archive,
    RecoveryReport,
    StoredRecord,
    pdf_lookup,
)
from docflow.archive._audit import AuditProblem, AuditReport, Verifier
from docflow.archive._layout import default_series_key, slugify
from docflow.archive._log import Head

__all__ = [
    "CONTRACT_KEYS",
    "Archive",
    "AuditProblem",
    "AuditReport",
    "Head",
    "RecoveryReport",
    "StoredRecord",
    "Verifier",
    "default_series_key",
    "pdf_lookup",
    "slugify",
]
