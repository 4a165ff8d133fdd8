"""The document policy applied after each signature has been judged on its own
(docs/VERIFY-POLICY.md): who must have signed a docflow document, in which capacity, and what
may have changed after a signature.

A signature can be intact, trusted and fresh and the document still worthless: a report that
only a timestamp authority "signed", an officer's field signed with a consultant's key, a
report the officer never countersigned. This module turns those into findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from asn1crypto import x509

from docflow.verify._messages import Finding
from docflow.verify._report import SignatureStatus, Verdict

#: Roles docflow's PKI writes into a signer certificate's subject ``title``.
DOCFLOW_ROLES = frozenset(
    {
        "consultant",
        "officer",
        "issuer",
        "chair",
        "collegium_chair",
        "presidium_member",
        "coordinator",
    }
)

#: Where a signer's role comes from: the certificate (never the field's name). A deployment may
#: give its own, e.g. one that asks the chamber's office records; ``None`` means "no role".
RoleOf = Callable[[x509.Certificate], str | None]


def certificate_role(cert: x509.Certificate) -> str | None:
    """The docflow role in the certificate subject's ``title`` (docflow's demo PKI), or None."""
    try:
        titles = cert.subject.native.get("title")
    except Exception:  # an undecodable subject holds no role
        return None
    if isinstance(titles, list | tuple):
        titles = titles[0] if titles else None
    title = str(titles or "").strip().lower()
    return title if title in DOCFLOW_ROLES else None


@dataclass(frozen=True)
class KindPolicy:
    """A docflow document kind as verify recognises it: the signature fields it must carry,
    each to be signed by a holder of the role of the same name."""

    kind: str
    required: tuple[str, ...]


#: Recognised by their signature field names (docflow/kinds/*.toml and the remarks document):
#: the first policy whose marker field the document has applies.
POLICIES: tuple[tuple[str, KindPolicy], ...] = (
    ("consultant", KindPolicy("cpd-report", ("consultant", "officer"))),
    ("issuer", KindPolicy("certificate", ("issuer",))),
    ("officer", KindPolicy("remarks", ("officer",))),
)


def recognise(field_names: Mapping[str, bool]) -> KindPolicy | None:
    """The docflow kind of a document with these signature fields (name -> signed?)."""
    for marker, policy in POLICIES:
        if marker in field_names:
            return policy
    return None


@dataclass(frozen=True)
class PolicyResult:
    statuses: tuple[SignatureStatus, ...]
    findings: tuple[Finding, ...]
    kind: str | None


def _worse(a: Verdict, b: Verdict) -> Verdict:
    order = {"valid": 0, "indeterminate": 1, "invalid": 2}
    return a if order[a] >= order[b] else b


def _with(status: SignatureStatus, finding: Finding, verdict: Verdict) -> SignatureStatus:
    return replace(
        status,
        verdict=_worse(status.verdict, verdict),
        reasons=(*status.reasons, finding.text("en")),
        findings=(*status.findings, finding),
    )


def apply_policy(
    statuses: tuple[SignatureStatus, ...],
    field_names: Mapping[str, bool],
    form_changes: Mapping[str, frozenset[str]] | None = None,
) -> PolicyResult:
    """Judge the document as a whole. ``field_names``: every signature field (name -> signed);
    ``form_changes``: per signature field, the non-signature form fields filled after it."""
    policy = recognise(field_names)
    findings: list[Finding] = []
    out = list(statuses)
    if statuses and all(s.role == "timestamp" for s in statuses):
        findings.append(Finding("policy.no_person_signed"))

    for i, status in enumerate(out):
        if status.role == "timestamp":
            continue
        # A field named after a docflow role is signed in that capacity or not at all,
        # whatever kind the document is.
        expected = status.field if status.field in DOCFLOW_ROLES else None
        if expected is not None and status.role != expected:
            key = "policy.no_role" if status.role == "unknown" else "policy.wrong_role"
            params: dict[str, Any] = {"field": status.field, "expected": expected}
            if key == "policy.wrong_role":
                params["actual"] = status.role
            status = _with(status, Finding(key, params), "invalid")
        filled = (form_changes or {}).get(status.field, frozenset())
        if status.modified_after == "form_filling":
            # Filling a form after signing is allowed by PDF, but a docflow document has no
            # form to fill: on one it is a forgery, elsewhere it leaves the content unproven.
            finding = Finding("coverage.form_filled", {"fields": ", ".join(sorted(filled)) or "?"})
            status = _with(status, finding, "invalid" if policy else "indeterminate")
        elif status.modified_after == "annotations":
            finding = Finding("coverage.annotations")
            status = _with(status, finding, "invalid" if policy else "indeterminate")
        out[i] = status

    if policy is not None:
        for name in policy.required:
            if name not in field_names:
                findings.append(
                    Finding("policy.field_missing", {"field": name, "kind": policy.kind})
                )
            elif not field_names[name]:
                findings.append(Finding("policy.field_empty", {"field": name, "role": name}))
    return PolicyResult(tuple(out), tuple(findings), policy.kind if policy else None)
