"""Reading a dropped submission (JSON, YAML or ZIP) safely into a validated model plus evidence.

Everything that can be wrong with the input is collected and raised at once as
``SubmissionInvalid(problems)``, each problem in plain words (field, what is wrong, what would be
right). A missing evidence file is *not* an input problem: it is a rules finding (R-7.5), so the
``evidence`` mapping simply holds the files that exist.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import stat
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import UnionType
from typing import Any, Union, cast, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from docflow.errors import Problem, SubmissionInvalid
from docflow.i18n import Msg, message
from docflow.iin import iin_issues
from docflow.model import (
    FIRST_REPORTING_YEAR,
    MAX_EVIDENCE_BYTES,
    ChamberRoster,
    CpdReport,
    EventCertificates,
    Submission,
    evidence_key,
)

__all__ = [
    "MAX_NESTING",
    "MAX_SUBMISSION_BYTES",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_TOTAL_BYTES",
    "LoadedSubmission",
    "input_sha256",
    "input_size_problem",
    "load_submission",
    "load_submission_bytes",
    "readable_data",
]

#: A submission text larger than this is not a report but an accident (or an attack).
MAX_SUBMISSION_BYTES = 5 * 1024 * 1024
#: ZIP bomb guards: the declared uncompressed total and the number of entries.
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
#: A dropped file (ZIP included) larger than this is refused before it is read.
MAX_INPUT_BYTES = 200 * 1024 * 1024
#: Evidence files read from a plain folder are capped like ZIP contents.
MAX_EVIDENCE_TOTAL_BYTES = MAX_EVIDENCE_BYTES  # docflow.model: embedded in the signed PDF

SUBMISSION_NAMES = ("submission.json", "submission.yaml", "submission.yml")

_MODELS: dict[str, type[BaseModel]] = {
    "cpd-report": CpdReport,
    "event-certificates": EventCertificates,
    "chamber-roster": ChamberRoster,
}


@dataclass(frozen=True)
class LoadedSubmission:
    """A submission read and validated; shape shared with the workflow (docs/ARCHITECTURE.md)."""

    source_name: str  # file name as dropped (never used to build a path)
    raw: bytes  # the bytes as received
    sha256: str  # of raw
    data: dict[str, Any]  # the parsed JSON/YAML mapping
    model: Submission  # validated
    evidence: dict[str, bytes] = field(default_factory=dict)  # normalised path -> content

    @property
    def evidence_names(self) -> set[str]:
        return set(self.evidence)


# --------------------------------------------------------------------------- entry points


# --------------------------------------------------------------------------- limits (issue 19)
#: How deep a submission's data may nest. A report needs five levels; the bound keeps a few
#: bytes of ``[[[[`` or ``- - - -`` from costing minutes of parsing (checked before parsing).
MAX_NESTING = 32


def input_size_problem(path: Path) -> Problem | None:
    """Whether ``path`` is too large to be a submission, judged by ``stat`` (and its first
    four bytes, which tell a ZIP) before the file is read: a huge or sparse file is refused
    unread. None when it may be read."""
    info = path.stat()
    if info.st_size > MAX_INPUT_BYTES:
        return _problem(path.name, "too_large", "max_size", size=info.st_size, limit="200 MB")
    if info.st_size > MAX_SUBMISSION_BYTES:
        with path.open("rb") as handle:
            magic = handle.read(4)
        if not magic.startswith(b"PK"):
            return _problem(path.name, "too_large", "max_size", size=info.st_size, limit="5 MB")
    return None


def input_sha256(path: Path, chunk: int = 1024 * 1024) -> str:
    """The SHA-256 of an input file, streamed: never the whole file in memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _flow_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside quoted strings and comments (JSON and YAML
    flow style), counted in one pass over the text. A quote opens a string only where a value
    starts (after ``:[{,-``, a space or a line start), as in YAML; an apostrophe inside a plain
    word (``O'Brien``) opens nothing."""
    depth = deepest = 0
    quote = ""
    escaped = comment = False
    prev = "\n"
    for char in text:
        if comment:
            comment = char != "\n"
        elif quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'" and prev in " \t\n:[{,-":
            quote = char
        elif char == "#" and prev in " \t\n":
            comment = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    break
        elif char in "]}":
            depth = max(0, depth - 1)
        prev = char
    return deepest


def _nesting_problem(name: str, text: str, *, as_json: bool) -> Problem | None:
    """Too deep a structure, found before it is built (JSON: by its brackets; YAML: by its
    brackets, then by the parser's events, which stop at the first level too many)."""
    too_deep = _problem(name, "too_deep")
    if _flow_depth(text) > MAX_NESTING:
        return too_deep
    if as_json:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_DateSafeLoader):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    return too_deep
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # broken YAML: the parser says where, below
    return None


def load_submission(
    path: Path, *, today: date, models: Mapping[str, type[BaseModel]] | None = None
) -> LoadedSubmission:
    """Read the file at ``path``; evidence of a plain JSON/YAML file is looked up beside it.
    ``models``: as for ``load_submission_bytes`` (default: the built-in kinds)."""
    try:
        problem = input_size_problem(path)
        if problem is not None:
            raise SubmissionInvalid([problem])
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise SubmissionInvalid(
                [_problem(path.name, "too_large", "max_size", size=size, limit="200 MB")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SubmissionInvalid(
            [_problem(path.name, "unreadable", error=exc.strerror or str(exc))]
        ) from None
    return load_submission_bytes(path.name, raw, base_dir=path.parent, today=today, models=models)


def load_submission_bytes(
    name: str,
    raw: bytes,
    *,
    base_dir: Path | None,
    today: date,
    models: Mapping[str, type[BaseModel]] | None = None,
) -> LoadedSubmission:
    """Parse ``raw`` (named ``name`` when dropped); ``base_dir`` holds a plain file's evidence.

    ``today`` is the day of arrival: the default submission date (R-3.1c, R-3.2d).
    ``models``: the input model of each kind accepted (the flow's kind registry); default
    the built-in kinds.
    """
    if _looks_like_zip(name, raw):
        text_name, text, files, prefix = _open_zip(name, raw)
        data = _parse_text(text_name, text)
        model = _validate(data, today=today, models=models)
        evidence = _zip_evidence(model, files, prefix)
        _check_evidence_size(evidence)
    else:
        if len(raw) > MAX_SUBMISSION_BYTES:
            raise SubmissionInvalid(
                [_problem(name, "too_large", "max_size", size=len(raw), limit="5 MB")]
            )
        data = _parse_text(name, raw)
        model = _validate(data, today=today, models=models)
        evidence = _folder_evidence(model, base_dir) if base_dir is not None else {}
    return LoadedSubmission(
        source_name=name,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        data=data,
        model=model,
        evidence=evidence,
    )


def readable_data(name: str, raw: bytes) -> dict[str, Any] | None:
    """The mapping of an input that may be invalid, if it can be read that far (None for a
    ZIP or text that cannot be opened): what a rejection needs to know its language."""
    try:
        if _looks_like_zip(name, raw):
            text_name, text, _files, _prefix = _open_zip(name, raw)
            data = _parse_text(text_name, text)
        else:
            if len(raw) > MAX_SUBMISSION_BYTES:
                return None
            data = _parse_text(name, raw)
    except SubmissionInvalid:
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- text formats


class _DateSafeLoader(yaml.SafeLoader):
    """SafeLoader whose impossible dates (2025-02-30) stay strings for the model to report.

    Stock PyYAML raises a bare ValueError from deep inside the loader for those.
    """


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_DateSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _parse_text(name: str, raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionInvalid([_problem(name, "not_utf8", "utf8", byte=exc.start)]) from None
    lower = name.lower()
    as_json = lower.endswith(".json") or (
        not lower.endswith((".yaml", ".yml")) and text.lstrip().startswith(("{", "["))
    )
    data = _UNSURE if as_json or _flow_depth(text) > MAX_NESTING else _parse_plain_yaml(text)
    if data is _UNSURE:
        too_deep = _nesting_problem(name, text, as_json=as_json)
        if too_deep is not None:
            raise SubmissionInvalid([too_deep])
        data = _parse_json(name, text) if as_json else _parse_yaml(name, text)
    if not isinstance(data, dict):
        raise SubmissionInvalid([_problem(name, "not_mapping", "a_mapping", found=_kind_of(data))])
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise SubmissionInvalid([_problem(name, "key_not_text", found=repr(bad_keys[0]))])
    return data


#: ``_parse_plain_yaml`` could not vouch for its answer: the careful path decides.
_UNSURE: Any = object()


class _CDateSafeLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """``_DateSafeLoader`` on libyaml's parser: the same constructors, at C speed."""


_CDateSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _parse_plain_yaml(text: str) -> Any:
    """The data of a YAML input that has nothing unusual, parsed by libyaml (~1 ms instead of
    ~9 ms of pure-Python parsing, twice over, per report); ``_UNSURE`` for anything else: no
    libyaml, a character PyYAML refuses, nesting deeper than ``MAX_NESTING``, an alias, a
    syntax error. The careful path (``_nesting_problem``, ``_parse_yaml``) then gives the
    answer and the exact wording, line and column it always gave."""
    if not yaml.__with_libyaml__ or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return _UNSURE
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_CDateSafeLoader):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    return _UNSURE
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                return _UNSURE
        return yaml.load(text, Loader=_CDateSafeLoader)  # a CSafeLoader subclass
    except (yaml.YAMLError, RecursionError, ValueError):
        return _UNSURE


def _parse_json(name: str, text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen[key] = value
        return seen

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise SubmissionInvalid(
            [
                _problem(
                    name,
                    "broken_json",
                    "valid_json",
                    line=exc.lineno,
                    column=exc.colno,
                    error=exc.msg,
                )
            ]
        ) from None
    except _DuplicateKey as exc:
        raise SubmissionInvalid(
            [_problem(name, "written_twice", "each_once", name=repr(exc.key))]
        ) from None
    except RecursionError:
        raise SubmissionInvalid([_problem(name, "json_too_deep")]) from None


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _parse_yaml(name: str, text: str) -> Any:
    try:
        # Aliases let a few bytes expand into a huge structure ("billion laughs"); a report
        # never needs them, so refuse them before anything is built.
        for event in yaml.parse(text, Loader=_DateSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                start = event.start_mark
                where = (
                    Msg("intake.where_line", {"line": start.line + 1, "column": start.column + 1})
                    if start
                    else ""
                )
                raise SubmissionInvalid(
                    [_problem(name, "yaml_aliases", "full_values", where=where)]
                )
        return yaml.load(text, Loader=_DateSafeLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = (
            Msg("intake.at_line", {"line": mark.line + 1, "column": mark.column + 1})
            if mark
            else ""
        )
        raise SubmissionInvalid(
            [_problem(name, "broken_yaml", "valid_yaml", where=where, error=problem)]
        ) from None
    except RecursionError:
        raise SubmissionInvalid([_problem(name, "yaml_too_deep")]) from None


# --------------------------------------------------------------------------- ZIP


def _looks_like_zip(name: str, raw: bytes) -> bool:
    return name.lower().endswith(".zip") or raw[:4] == b"PK\x03\x04"


def _open_zip(name: str, raw: bytes) -> tuple[str, bytes, dict[str, bytes], str]:
    """The submission file's name and bytes, every file by normalised path, and its folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SubmissionInvalid([_problem(name, "not_zip", "zip", error=str(exc))]) from None
    problems: list[Problem] = []
    if len(infos) > MAX_ZIP_ENTRIES:
        raise SubmissionInvalid(
            [_problem(name, "zip_entries", "zip_entries", count=len(infos), limit=MAX_ZIP_ENTRIES)]
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise SubmissionInvalid(
            [
                _problem(
                    name,
                    "zip_total",
                    "max_size",
                    total=total,
                    limit=f"{MAX_ZIP_TOTAL_BYTES // (1024 * 1024)} MB",
                )
            ]
        )
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        entry = info.filename
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(_problem(f"{name}: {entry}", "zip_symlink", "plain_files"))
            continue
        if info.is_dir():
            if evidence_key(entry.rstrip("/")) is None and entry.strip("/"):
                problems.append(_escaping_entry(name, entry))
            continue
        key = evidence_key(entry)
        if key is None or "\x00" in entry:
            problems.append(_escaping_entry(name, entry))
            continue
        if key in members:
            problems.append(_problem(f"{name}: {entry}", "zip_twice"))
            continue
        members[key] = info
    if problems:
        raise SubmissionInvalid(problems)

    candidates = [
        k
        for k in members
        if posixpath.basename(k).lower() in SUBMISSION_NAMES and not _is_debris(k)
    ]
    at_root = [k for k in candidates if "/" not in k]
    # Archivers' own debris (macOS resource forks, Finder files) must not hide the single top
    # folder a consultant zipped.
    tops = {k.split("/", 1)[0] for k in members if not _is_debris(k)}
    if at_root:
        chosen = at_root
    elif len(tops) == 1:
        top = next(iter(tops))
        chosen = [k for k in candidates if posixpath.dirname(k) == top]
    else:
        chosen = []
    if not chosen:
        raise SubmissionInvalid([_problem(name, "zip_no_submission", "one_submission")])
    if len(chosen) > 1:
        raise SubmissionInvalid(
            [_problem(name, "zip_many_submissions", "exactly_one", names=", ".join(sorted(chosen)))]
        )
    sub_key = chosen[0]
    prefix = posixpath.dirname(sub_key)
    files: dict[str, bytes] = {}
    try:
        for key, info in members.items():
            with archive.open(info) as handle:
                # zipfile stops at the declared size, so the header check above bounds this.
                files[key] = handle.read(info.file_size + 1)[: info.file_size]
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
        raise SubmissionInvalid(
            [_problem(name, "zip_damaged", "plain_zip", error=str(exc))]
        ) from None
    return sub_key, files[sub_key], files, prefix


_DEBRIS = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def _is_debris(key: str) -> bool:
    base = posixpath.basename(key)
    return key.startswith("__MACOSX/") or base.startswith("._") or base in _DEBRIS


def _escaping_entry(name: str, entry: str) -> Problem:
    return _problem(f"{name}: {entry}", "zip_escaping", "relative_entry")


def _zip_evidence(model: Submission, files: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    evidence: dict[str, bytes] = {}
    for path in _evidence_paths(model):
        key = evidence_key(path)
        if key is None:
            continue
        member = posixpath.join(prefix, key) if prefix else key
        if member in files:
            evidence[key] = files[member]
    return evidence


# --------------------------------------------------------------------------- plain folder


def _folder_evidence(model: Submission, base_dir: Path) -> dict[str, bytes]:
    root = base_dir.resolve()
    evidence: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    if not isinstance(model, CpdReport):
        return evidence
    cited = [
        (f"activities[{i}].evidence[{j}]", path)
        for i, activity in enumerate(model.activities)
        for j, path in enumerate(activity.evidence)
    ]
    if model.exemption is not None:  # the exemption's supporting document
        cited += [(f"exemption.evidence[{j}]", p) for j, p in enumerate(model.exemption.evidence)]
    for where, path in cited:
        key = evidence_key(path)
        if key is None or key in evidence:
            continue
        target = (root / key).resolve()
        # A symlink inside the folder may still point outside it: confine after resolving.
        if not target.is_relative_to(root):
            problems.append(_problem(where, "evidence_outside", "inside_folder", path=repr(path)))
            continue
        if not target.is_file():
            continue  # absent evidence is a rules finding, not an input problem
        try:
            content = target.read_bytes()
        except OSError:
            continue
        total += len(content)
        if total > MAX_EVIDENCE_TOTAL_BYTES:
            problems.append(
                _problem("evidence", "evidence_too_large", "max_size", limit=_EVIDENCE_LIMIT)
            )
            break
        evidence[key] = content
    if problems:
        raise SubmissionInvalid(problems)
    return evidence


_EVIDENCE_LIMIT = f"{MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024)} MB"


def _check_evidence_size(evidence: Mapping[str, bytes]) -> None:
    total = sum(len(content) for content in evidence.values())
    if total > MAX_EVIDENCE_TOTAL_BYTES:
        raise SubmissionInvalid(
            [_problem("evidence", "evidence_too_large", "max_size", limit=_EVIDENCE_LIMIT)]
        )


def _evidence_paths(model: Submission) -> Iterable[str]:
    if isinstance(model, CpdReport):
        for activity in model.activities:
            yield from activity.evidence
        if model.exemption is not None:
            yield from model.exemption.evidence  # the exemption's supporting document
        return
    # A kind added through the registry names its files itself (a roadmap package's materials).
    paths = getattr(model, "evidence_paths", None)
    if callable(paths):
        yield from paths()


# --------------------------------------------------------------------------- validation


def _validate(
    data: dict[str, Any], *, today: date, models: Mapping[str, type[BaseModel]] | None = None
) -> Submission:
    kind = data.get("kind")
    if kind is None:
        raise SubmissionInvalid([_problem("kind", "missing", "kinds", kinds=_expected_kinds())])
    known: Mapping[str, type[BaseModel]] = (
        _MODELS if models is None else {**models, "chamber-roster": ChamberRoster}
    )
    model_cls = known.get(kind) if isinstance(kind, str) else None
    if model_cls is None:
        raise SubmissionInvalid(
            [_problem("kind", "unknown_kind", "kinds", kind=repr(kind), kinds=", ".join(known))]
        )
    problems: list[Problem] = []
    model: BaseModel | None = None
    try:
        model = model_cls.model_validate(data)
    except ValidationError as exc:
        problems.extend(_translate(exc, model_cls))
    except RecursionError:
        problems.append(_problem("(file)", "too_deep"))
    if model_cls is CpdReport:
        seen = {p.field for p in problems}
        problems.extend(p for p in _report_dates(data, today) if p.field not in seen)
    if problems:
        raise SubmissionInvalid(problems)
    assert model is not None
    # A kind added through the registry has its own model beside the built-in ones.
    return cast(Submission, model)


def _expected_kinds() -> str:
    return ", ".join(_MODELS)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _report_dates(data: Mapping[str, Any], today: date) -> list[Problem]:
    """Checks that need the day of arrival; run on the raw data so they add to model errors."""
    problems: list[Problem] = []
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and year > today.year:
        problems.append(
            _problem(
                "year",
                "year_not_started",
                "year_range",
                year=year,
                today=today,
                first=FIRST_REPORTING_YEAR,
                last=today.year,
            )
        )
    submitted = _as_date(data.get("submitted_on"))
    if submitted is not None and submitted > today:
        problems.append(
            _problem(
                "submitted_on",
                "submitted_in_future",
                "today_or_earlier",
                submitted=submitted,
                today=today,
            )
        )
    filed = submitted or today
    activities = data.get("activities")
    if isinstance(activities, list):
        for i, activity in enumerate(activities):
            if not isinstance(activity, Mapping):
                continue
            when = _as_date(activity.get("date"))
            if when is not None and when > filed:
                # R-3.1c: early filing is allowed, but only after the activities took place.
                problems.append(
                    _problem(
                        f"activities[{i}].date",
                        "activity_after_filing",
                        "past_activities",
                        when=when,
                        filed=filed,
                    )
                )
    return problems


# --------------------------------------------------------------------------- error wording

#: Field name -> hint key (``hint.field.*`` in docflow/i18n) saying what would be right.
_HINTS: dict[str, str] = {
    "kind": "kinds",
    "year": "field.year",
    "locale": "field.locale",
    "submitted_on": "field.date",
    "date": "field.date",
    "member_since": "field.date",
    "from": "field.date",
    "to": "field.to",
    "status_from": "field.date",
    "status_to": "field.date",
    "iin": "field.iin",
    "form": "field.form",
    "reason": "field.reason",
    "status": "field.status",
    "evidence": "field.evidence",
    "evidence[]": "field.evidence_item",
    "justification": "field.justification",
    "claimed_points": "field.points",
    "points": "field.points",
    "online": "field.online",
    "hours": "field.hours",
    "activities": "field.activities",
    "activities[]": "field.activity",
    "participants[]": "field.participant",
    "participants": "field.participants",
    "consultant": "field.consultant",
    "exemption": "field.exemption",
    "disagreement": "field.disagreement",
}

#: pydantic error type -> ``type.*`` key of what was expected.
_TYPE_WORDS: dict[str, str] = {
    "string_type": "text",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "bool",
    "bool_parsing": "bool",
    "list_type": "list",
    "dict_type": "mapping",
    "model_type": "mapping",
    "model_attributes_type": "mapping",
    "date_type": "date",
}

#: Our own PydanticCustomError types (docflow/model.py) worded by the catalogue.
_MODEL_ERRORS = frozenset(
    {"iin_number", "iin", "form", "evidence_path", "exemption_order", "justification",
     "year_before_rules"}
)  # fmt: skip


def _problem(field: str, key: str, hint: str | None = None, /, **params: Any) -> Problem:
    """A problem worded by the message catalogue (``intake.<key>``, ``hint.<hint>``): the
    English text stays in ``message``/``expected``; ``key``/``params`` let each reader see it in
    their own language (docflow.intake.messages.problem_text)."""
    hint_key = f"hint.{hint}" if hint else None
    return Problem(
        field,
        message(f"intake.{key}", "en", **params),
        message(hint_key, "en", **params) if hint_key else None,
        key=f"intake.{key}",
        params=params,
        hint=hint_key,
    )


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "(file)"


def _kind_of(value: Any) -> Msg:
    """What was found, as a message (``found.*``)."""
    if value is None:
        return Msg("found.null")
    if isinstance(value, bool):
        return Msg("found.bool", {"value": str(value)})
    if isinstance(value, int | float):
        return Msg("found.number", {"value": value})
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return Msg("found.text", {"value": repr(shown)})
    if isinstance(value, list):
        return Msg("found.list")
    if isinstance(value, dict):
        return Msg("found.mapping")
    if isinstance(value, datetime):
        return Msg("found.datetime", {"value": value.isoformat(sep=" ")})
    if isinstance(value, date):
        return Msg("found.date", {"value": value.isoformat()})
    return Msg("found.other", {"value": type(value).__name__})


def _translate(exc: ValidationError, model_cls: type[BaseModel]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors():
        loc = tuple(error["loc"])
        field_name = _path(loc)
        last = next((p for p in reversed(loc) if isinstance(p, str)), "")
        hint = _HINTS.get(last)
        if loc and isinstance(loc[-1], int):
            hint = _HINTS.get(f"{last}[]", hint)
        extra: dict[str, Any] = {"first": FIRST_REPORTING_YEAR, "kinds": _expected_kinds()}
        kind = error["type"]
        given = error.get("input")
        if kind == "missing":
            problem = _problem(field_name, "missing", hint, **extra)
        elif kind == "extra_forbidden":
            allowed = _allowed_fields(model_cls, loc[:-1])
            problem = _problem(
                field_name,
                "unknown_field",
                "one_of" if allowed else "remove",
                name=repr(last),
                names=", ".join(allowed),
            )
        elif kind.startswith("date") or kind.startswith("datetime"):
            if isinstance(given, str):
                problem = _problem(field_name, "not_real_date", hint, given=repr(given), **extra)
            else:
                problem = _problem(
                    field_name, "expected_date", hint, found=_kind_of(given), **extra
                )
        elif kind == "literal_error":
            expected = str(error.get("ctx", {}).get("expected", ""))
            problem = _problem(
                field_name,
                "not_allowed",
                hint or ("range" if expected else None),
                found=_kind_of(given),
                detail=expected,
                **extra,
            )
        elif kind in _TYPE_WORDS:
            problem = _problem(
                field_name,
                "expected_type",
                hint,
                type=Msg(f"type.{_TYPE_WORDS[kind]}"),
                found=_kind_of(given),
                **extra,
            )
        elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
            problem = _problem(
                field_name, "out_of_range", "range", found=_kind_of(given), detail=error["msg"]
            )
        elif kind in {"string_too_short", "too_short"}:
            problem = _problem(field_name, "empty", hint, **extra)
        elif kind == "iin":
            # Every IIN issue, each worded by the catalogue (docflow.iin.iin_issues).
            issues = tuple(iin_issues(given))
            problem = _problem(field_name, "model.iin", hint, problems=issues)
        elif kind in _MODEL_ERRORS:
            # Our own PydanticCustomError messages, worded by the catalogue.
            params = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
            problem = _problem(field_name, f"model.{kind}", hint, **{**extra, **params})
        else:
            problem = Problem(
                field_name, error["msg"], message(f"hint.{hint}", "en", **extra) if hint else None
            )
        marker = (problem.field, problem.message)
        if marker not in seen:
            seen.add(marker)
            problems.append(problem)
    return problems


def _allowed_fields(model_cls: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names (as written in the input) of the model found at ``loc``."""
    current: Any = model_cls
    for part in loc:
        if isinstance(part, int):
            continue  # list items share the list's model, already unwrapped below
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            info = next(
                (f for f in current.model_fields.values() if f.alias == part),
                None,
            )
        if info is None:
            return []
        current = _inner_model(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (list, Union, UnionType) or origin is not None:
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None
