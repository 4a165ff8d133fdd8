"""The pure rules engine: Part R and Appendix 2 of ../shared/RULES.md (no I/O, no clock).

Appendix 2 is versioned data (``docflow/data/appendix2.yaml``); ``evaluate_cpd`` returns a
``CpdVerdict`` whose every finding cites its clause.
"""

from docflow.rules.appendix2 import (
    Appendix2Row,
    Appendix2Version,
    load_versions,
    parse_versions,
    table_for_year,
)
from docflow.rules.cpd import (
    ActivityResult,
    CpdVerdict,
    Finding,
    deadline_for,
    evaluate_cpd,
)

__all__ = [
    "ActivityResult",
    "Appendix2Row",
    "Appendix2Version",
    "CpdVerdict",
    "Finding",
    "deadline_for",
    "evaluate_cpd",
    "load_versions",
    "parse_versions",
    "table_for_year",
]
