"""The input models of ../shared/CONTRACT.md (pydantic v2): what a consultant or a chamber submits.

The models check what can be checked without a clock (types, IINs, R-10.1, R-3.1b); checks that
depend on the day of arrival live in ``docflow.intake.parse``. Unknown fields are refused so a
mistyped field name is reported instead of silently ignored.
"""

from __future__ import annotations

import posixpath
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from docflow.iin import validate_iin

__all__ = [
    "FIRST_REPORTING_YEAR",
    "Activity",
    "ChamberRoster",
    "Consultant",
    "CpdReport",
    "Event",
    "EventCertificates",
    "Exemption",
    "FormId",
    "Issuer",
    "Participant",
    "RosterMember",
    "Submission",
    "evidence_key",
]

#: R-10.1: the rules are in force from 1 January 2022; no report for an earlier year.
FIRST_REPORTING_YEAR = 2022

_STRICT = ConfigDict(
    extra="forbid", populate_by_name=True, str_strip_whitespace=True, defer_build=True
)


def _check_iin(value: str) -> str:
    problems = validate_iin(value)
    if problems:
        # intake words it in the reader's language again from the value (docflow.iin.iin_issues)
        raise PydanticCustomError("iin", "{problems}", {"problems": "; ".join(problems)})
    return value


def _iin_before(value: Any) -> Any:
    # YAML reads an unquoted IIN as a number and would drop a leading zero: say so plainly.
    if isinstance(value, int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "iin_number", "the IIN is written as a number; write it in quotes as text"
        )
    return value


Iin = Annotated[str, BeforeValidator(_iin_before), AfterValidator(_check_iin)]
NonEmpty = Annotated[str, Field(min_length=1)]


def _form_before(value: Any) -> Any:
    # One clear sentence instead of pydantic's per-branch union errors.
    if isinstance(value, bool):
        raise PydanticCustomError("form", "unknown form {value}", {"value": repr(value)})
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "other":
            return "other"
        if text.isdigit():
            value = int(text)
        else:
            raise PydanticCustomError("form", "unknown form {value}", {"value": repr(value)})
    if isinstance(value, int) and 1 <= value <= 12:
        return value
    raise PydanticCustomError("form", "unknown form {value}", {"value": repr(value)})


#: An Appendix 2 row (1..12) or "other" (R-3.1b).
FormId = Annotated[int | Literal["other"], BeforeValidator(_form_before)]


def evidence_key(path: str) -> str | None:
    """The normalised relative form of an evidence path, or None if it would leave its folder.

    Intake stores evidence under this key and the rules look evidence up by it, so both sides
    agree on ``./a/../b.pdf`` == ``b.pdf``.
    """
    text = path.replace("\\", "/").strip()
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    norm = posixpath.normpath(text)
    if norm == "." or norm == ".." or norm.startswith("../"):
        return None
    return norm


def _check_evidence_path(value: str) -> str:
    if evidence_key(value) is None:
        raise PydanticCustomError(
            "evidence_path",
            "the evidence path {value} leaves the submission's folder",
            {"value": repr(value)},
        )
    return value


EvidencePath = Annotated[str, AfterValidator(_check_evidence_path)]


class Consultant(BaseModel):
    model_config = _STRICT

    full_name: NonEmpty
    iin: Iin
    chamber: NonEmpty
    member_since: date


class Exemption(BaseModel):
    """R-7.4: not practising because of maternity or childcare leave, or suspension."""

    model_config = _STRICT

    reason: Literal["maternity_leave", "childcare_leave", "suspended"]
    from_: date = Field(alias="from")
    to: date | None = None
    #: the supporting document (leave order, court or chamber decision), like an activity's;
    #: unless the chamber's roster confirms the ground for the whole year, the officer decides
    #: with it in hand (R-7.4)
    evidence: list[EvidencePath] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Exemption:
        if self.to is not None and self.to < self.from_:
            raise PydanticCustomError(
                "exemption_order",
                "the exemption ends ({to}) before it starts ({start})",
                {"to": self.to.isoformat(), "start": self.from_.isoformat()},
            )
        return self


class Activity(BaseModel):
    model_config = _STRICT

    form: FormId
    title: NonEmpty
    organizer: NonEmpty
    date: date
    evidence: list[EvidencePath] = Field(default_factory=list)
    justification: str | None = Field(default=None, validate_default=True)
    claimed_points: int | None = Field(default=None, ge=0, le=100)
    #: a points value in the input is checked against Appendix 2, never trusted (R-7.3)
    points: int | None = Field(default=None, ge=0, le=100)
    #: R-6.1: remote participation counts like attendance in person
    online: bool | None = None

    @field_validator("justification", mode="after")
    @classmethod
    def _other_needs_justification(cls, value: str | None, info: ValidationInfo) -> str | None:
        # R-3.1b: an activity outside Appendix 2 is accepted only with a written justification.
        # A field validator (not a model one) so the problem is reported with the others.
        if info.data.get("form") == "other" and not (value or "").strip():
            raise PydanticCustomError(
                "justification",
                'an activity of form "other" needs a written justification (R-3.1b)',
            )
        return value


class CpdReport(BaseModel):
    """The annual report of Appendix 1 (``kind: cpd-report``)."""

    model_config = _STRICT

    kind: Literal["cpd-report"]
    year: int
    locale: Literal["kk", "ru"]
    submitted_on: date | None = None
    consultant: Consultant
    exemption: Exemption | None = None
    activities: list[Activity] = Field(default_factory=list)
    #: R-3.2e: in a corrected report, the consultant's disagreement with the officer's remarks;
    #: it puts the A1 form's comment section in play
    disagreement: str | None = Field(default=None, max_length=4000)

    @field_validator("year")
    @classmethod
    def _year_in_force(cls, year: int) -> int:
        if year < FIRST_REPORTING_YEAR:
            raise PydanticCustomError(
                "year_before_rules",
                "the rules are in force from 1 January {first} (R-10.1); "
                "there is no report for {year}",
                {"first": FIRST_REPORTING_YEAR, "year": year},
            )
        return year


class Event(BaseModel):
    model_config = _STRICT

    title: NonEmpty
    form: FormId
    organizer: NonEmpty
    date: date
    hours: float = Field(gt=0, le=1000)
    place: NonEmpty


class Issuer(BaseModel):
    model_config = _STRICT

    full_name: NonEmpty
    position: NonEmpty
    chamber: NonEmpty


class Participant(BaseModel):
    model_config = _STRICT

    full_name: NonEmpty
    iin: Iin


class EventCertificates(BaseModel):
    """One certificate per participant of an event (``kind: event-certificates``)."""

    model_config = _STRICT

    kind: Literal["event-certificates"]
    locale: Literal["kk", "ru"]
    event: Event
    issuer: Issuer
    participants: list[Participant] = Field(min_length=1)


class RosterMember(BaseModel):
    model_config = _STRICT

    full_name: NonEmpty
    iin: Iin
    member_since: date
    #: R-7.4 grounds are ``maternity_leave``, ``childcare_leave`` and ``suspended``; a generic
    #: ``on_leave`` (the kind of leave not given) is none of them
    status: Literal["active", "suspended", "on_leave", "maternity_leave", "childcare_leave"] = (
        "active"
    )
    status_from: date | None = None
    status_to: date | None = None


class ChamberRoster(BaseModel):
    """The members of a chamber, for summaries and reminders (``kind: chamber-roster``)."""

    model_config = _STRICT

    kind: Literal["chamber-roster"]
    chamber: NonEmpty
    members: list[RosterMember] = Field(default_factory=list)


Submission = CpdReport | EventCertificates | ChamberRoster
