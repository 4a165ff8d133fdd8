"""Every exception docflow raises on purpose, in one tree.

A *verdict* (non-compliant report, invalid signature) is data, never an exception. An exception
means the work could not proceed::

    DocflowError
    ├── ConfigError              docflow.toml or the home folder is unusable
    │   └── ObjectLockMissing    the configured S3 bucket cannot keep objects write-once
    ├── SubmissionInvalid        the input itself is malformed (carries every problem found)
    │   └── UnknownChamber       it names a chamber docflow does not know (lists the known ones)
    ├── ChamberError             a chamber cannot be added or changed as asked (name conflict)
    ├── AuthorityRefused         nobody holds the office to sign this, or the one asked may not
    ├── TemplateError            a template is broken or asks for a variable nobody gives it
    │   └── TemplateNotApproved  a certificate template not in the register of approved forms
    ├── ConversionError          LibreOffice failed, crashed or timed out (after retries)
    ├── PkiError                 keys/certificates missing or unusable
    │   └── NotEnrolled          a person has no signing key yet ("enroll first")
    ├── SigningError             a signature could not be applied
    │   ├── UnknownSignRequest   no signing request with that id
    │   └── RequestClosed        the signing request is signed or cancelled already
    ├── UnreadablePdf            a file given to verify is not a readable PDF
    │   └── VerifyLimitExceeded  beyond one of verify's bounds (size, signatures): refused unread
    ├── ArchiveError             the archive cannot store or find something
    │   └── UnknownRecord        no record with that id
    ├── WorkflowError            the flow could not take a submission through its stages
    │   ├── WorkerCrashed        a worker process died every time it ran this submission
    │   ├── WorkerError          a worker's exception that could not be sent back as itself
    │   ├── NotInReview          no report with that id is waiting for the officer
    │   └── UnsafeParkedFolder   a parked waiting document's copy is damaged or unsafe
    ├── NoRoster                 no roster was imported for the chamber (summaries)
    └── UserError                a web user cannot be created or changed as asked

Exceptions that never leave the module raising them (a converter's ``_Timeout``, a worker's
``_Lost``, the web's ``LoginRequired`` turned into a redirect by the app) are control flow, not
errors, and stay private to their modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any


class DocflowError(Exception):
    """Base of every docflow error."""


class ConfigError(DocflowError):
    pass


class ObjectLockMissing(ConfigError):
    """The configured bucket cannot keep objects write-once."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what is wrong, what would be right."""

    field: str
    message: str
    expected: str | None = None
    #: the message and the hint as ``docflow.i18n`` catalogue keys, so each reader gets them in
    #: their language (``message``/``expected`` keep the English wording)
    key: str | None = None
    params: Mapping[str, Any] = _field(default_factory=dict)
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}"
        if self.expected:
            text += f" (expected: {self.expected})"
        return text

    def to_json(self) -> dict[str, str | None]:
        return {"field": self.field, "message": self.message, "expected": self.expected}


class SubmissionInvalid(DocflowError):
    """The submission cannot be read as a valid document; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid submission")


class UnknownChamber(SubmissionInvalid):
    """A chamber named by id or name that is not registered; ``known`` lists the known ids."""

    def __init__(self, name: str, problem: Problem, known: tuple[str, ...]):
        self.name = name
        self.known = known
        super().__init__([problem])


class ChamberError(DocflowError):
    pass


class AuthorityRefused(DocflowError):
    """No office holder may sign this document (``code`` says why: ``no_holder``, ``self``…)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class TemplateError(DocflowError):
    pass


class TemplateNotApproved(TemplateError):
    """R-5.4: a certificate template whose bytes the Collegium has not approved."""


class ConversionError(DocflowError):
    pass


class PkiError(DocflowError):
    pass


class NotEnrolled(PkiError):
    pass


class SigningError(DocflowError):
    pass


class UnknownSignRequest(SigningError):
    """No signing request with that id (or the id is not one docflow makes)."""


class RequestClosed(SigningError):
    """The signing request is signed or cancelled already."""


class UnreadablePdf(DocflowError):
    pass


class VerifyLimitExceeded(UnreadablePdf):
    """An input beyond one of verify's bounds: refused before the expensive work. A subclass
    of ``UnreadablePdf``, so the doors answer it as they answer an unreadable file (exit 2,
    a plain message); ``finding`` (``docflow.verify``'s catalogue finding) says which bound,
    in every language."""

    def __init__(self, finding: Any, name: str = "") -> None:
        self.finding = finding
        prefix = f"{name}: " if name else ""
        super().__init__(prefix + finding.text("en"))


class ArchiveError(DocflowError):
    pass


class UnknownRecord(ArchiveError):
    pass


class WorkflowError(DocflowError):
    pass


class WorkerCrashed(WorkflowError):
    """A worker process died every time it ran this submission."""


class WorkerError(WorkflowError):
    """An exception raised in a worker that could not be sent back as itself."""


class NotInReview(WorkflowError):
    """No report with that id is waiting for the officer."""


class UnsafeParkedFolder(WorkflowError):
    """A parked copy of a waiting document (scaled out, ``docflow.queue``) that is damaged or
    would write anything but files inside its work folder."""


class NoRoster(DocflowError):
    """No roster was imported for the chamber."""


class UserError(DocflowError):
    """A user cannot be created or changed as asked."""
