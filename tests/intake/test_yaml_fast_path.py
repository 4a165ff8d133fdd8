"""The libyaml path of YAML inputs (``parse._parse_plain_yaml``) gives the careful path's data
for plain inputs, and hands everything unusual to the careful path, whose wording, line and
column stay as they were (tests/intake/test_intake_parse.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from docflow.intake import parse


def _careful(text: str) -> Any:
    return yaml.load(text, Loader=parse._DateSafeLoader)


def _block(depth: int) -> str:
    """A valid YAML mapping nested ``depth`` levels deep in block style."""
    return "".join("  " * i + f"k{i}:\n" for i in range(depth - 1)) + "  " * (depth - 1) + "v: 1\n"


_BLOCK_TOO_DEEP = _block(parse.MAX_NESTING + 1)

PLAIN = [
    "kind: cpd-report\nyear: 2025\nlocale: kk\n",
    "submitted_on: 2026-02-10\nwhen: 2026-02-10 09:30:00\n",
    "bad_day: 2025-02-30\n",  # an impossible date stays text for the model to report
    "name: Ақжол Әлиев\ntitle: 'Семинар № 3: азаматтық процесс'\nhours: 4.5\nok: yes\n",
    "activities:\n  - {title: x, hours: 2}\n  - title: y\n    evidence: [a.pdf, b.pdf]\n",
    "empty:\nnull_value: ~\nnumbers: [0x1F, 017, 1_000, .5, -.inf]\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_yaml_gives_the_careful_paths_data(text: str) -> None:
    fast = parse._parse_plain_yaml(text)
    assert fast is not parse._UNSURE
    assert fast == _careful(text)
    assert [type(v) for v in fast.values()] == [type(v) for v in _careful(text).values()]


def test_a_report_of_the_builders_reads_the_same(report: dict[str, Any]) -> None:
    text = yaml.safe_dump(report, allow_unicode=True)
    assert parse._parse_plain_yaml(text) == _careful(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",  # an alias
        "kind: cpd-report\nyear: [2025\nlocale: kk\n",  # broken
        "a: b\x07c\n",  # a character PyYAML refuses
        "a:" + " [" * (parse.MAX_NESTING + 1),  # too deep
        _BLOCK_TOO_DEEP,  # too deep in block style (no bracket to count)
    ],
)
def test_anything_unusual_goes_the_careful_way(text: str) -> None:
    assert parse._parse_plain_yaml(text) is parse._UNSURE


def test_block_nesting_just_allowed_is_plain() -> None:
    text = _block(parse.MAX_NESTING)
    assert parse._parse_plain_yaml(text) == _careful(text)
