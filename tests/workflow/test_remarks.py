"""R-3.2e / R-7.5: the remarks letter words a missing supporting document from the finding's
structured fields (activity number, evidence names), in the report's language; nothing parses
the engine's English message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from workflow_builders import report

from docflow.model import CpdReport
from docflow.rules import evaluate_cpd
from docflow.workflow.cpd import defect_remarks


@pytest.mark.parametrize(
    ("locale", "words"),
    [("kk", "2-іс-шара («Баяндама: медиация»)"), ("ru", "Мероприятие 2 («Баяндама: медиация»)")],
)
def test_missing_evidence_is_worded_from_the_finding_fields_R_7_5_R_3_2e(
    locale: str, words: str
) -> None:
    model = CpdReport.model_validate(report(locale=locale))
    present = {e for a in model.activities for e in a.evidence}
    missing = model.activities[1].evidence[0]
    verdict = evaluate_cpd(model, today=date(2026, 2, 10), evidence_names=present - {missing})
    [defect] = verdict.defects
    assert (defect.clause, defect.activity, defect.evidence) == ("R-7.5", 2, (missing,))

    [remark] = defect_remarks(model, verdict)
    assert words in remark and missing in remark

    # The wording follows the fields, not the message: a message in other words changes nothing.
    reworded_params = {**defect.params, "title": "(reworded)", "names": "(reworded)"}
    reworded = replace(verdict, defects=[replace(defect, params=reworded_params)])
    assert defect_remarks(model, reworded) == [remark]
