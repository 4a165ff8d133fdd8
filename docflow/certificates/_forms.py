"""R-5.4: the register of certificate forms the Collegium approved (decision, date, SHA-256).

A certificate is issued only with a template whose bytes are in the register, and its record
names the approved form. The register is the packaged ``docflow/data/certificate_forms.yaml``
plus the home's own ``certificate-forms.yaml`` (written by ``approve_template``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from docflow.atomic import write_bytes_atomic
from docflow.config import Home
from docflow.errors import TemplateNotApproved

__all__ = [
    "REGISTER_NAME",
    "ApprovedForm",
    "approve_template",
    "approved_form",
    "load_register",
    "parse_register",
    "require_approved",
]

#: The home's own register (beside docflow.toml).
REGISTER_NAME = "certificate-forms.yaml"


@dataclass(frozen=True)
class ApprovedForm:
    """A certificate template approved by the Collegium's decision ``decision`` of ``date``."""

    name: str
    sha256: str
    decision: str
    date: date
    sample: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "decision": self.decision,
            "date": self.date.isoformat(),
            "sample": self.sample,
        }


def parse_register(data: Mapping[str, Any] | None) -> tuple[ApprovedForm, ...]:
    forms = []
    for item in (data or {}).get("forms") or []:
        when = item["date"]
        forms.append(
            ApprovedForm(
                name=str(item.get("name") or ""),
                sha256=str(item["sha256"]).lower(),
                decision=str(item["decision"]),
                date=when if isinstance(when, date) else date.fromisoformat(str(when)),
                sample=bool(item.get("sample", False)),
            )
        )
    return tuple(forms)


def approved_form(sha256: str, register: Iterable[ApprovedForm]) -> ApprovedForm | None:
    """The register's entry for a template with this SHA-256 (the latest approval wins)."""
    found = [f for f in register if f.sha256 == sha256.lower()]
    return max(found, key=lambda f: f.date) if found else None


def require_approved(
    template: bytes, register: Sequence[ApprovedForm], *, name: str = ""
) -> ApprovedForm:
    """The approved form of ``template``'s bytes; raises ``TemplateNotApproved`` (R-5.4)."""
    sha = hashlib.sha256(template).hexdigest()
    form = approved_form(sha, register)
    if form is None:
        raise TemplateNotApproved(
            f"the certificate template {name or sha[:12]} (SHA-256 {sha}) is not an approved "
            "form (R-5.4): approve it with `docflow certificates approve-template FILE "
            "--decision N --date YYYY-MM-DD`"
        )
    return form


def _read(text: str) -> Mapping[str, Any] | None:
    import yaml

    data = yaml.safe_load(text)
    return data if isinstance(data, Mapping) else None


def load_register(home: Home | None = None) -> tuple[ApprovedForm, ...]:
    """The packaged register plus the home's own approvals."""
    packaged = resources.files("docflow").joinpath("data/certificate_forms.yaml")
    forms = list(parse_register(_read(packaged.read_text(encoding="utf-8"))))
    if home is not None:
        own = home.root / REGISTER_NAME
        if own.is_file():
            forms += parse_register(_read(own.read_text(encoding="utf-8")))
    return tuple(forms)


def approve_template(home: Home, template: Path, *, decision: str, on: date) -> ApprovedForm:
    """Record in the home's register that the Collegium approved ``template`` (R-5.4)."""
    import yaml

    if not decision.strip():
        raise ValueError("an approval needs the Collegium's decision number")
    form = ApprovedForm(
        name=template.name,
        sha256=hashlib.sha256(template.read_bytes()).hexdigest(),
        decision=decision.strip(),
        date=on,
    )
    path = home.root / REGISTER_NAME
    existing = (
        list(parse_register(_read(path.read_text(encoding="utf-8")))) if path.is_file() else []
    )
    kept = [f for f in existing if (f.sha256, f.decision) != (form.sha256, form.decision)]
    entries = [
        {"name": f.name, "sha256": f.sha256, "decision": f.decision, "date": f.date}
        for f in [*kept, form]
    ]
    text = (
        "# R-5.4: certificate forms approved by the Collegium for this chamber\n"
        + yaml.safe_dump({"forms": entries}, allow_unicode=True, sort_keys=False)
    )
    write_bytes_atomic(path, text.encode("utf-8"))
    return form
