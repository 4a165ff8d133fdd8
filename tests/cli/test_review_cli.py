"""`docflow review`: the officer's points go by the activity number on the form (R-3.1b)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from docflow.cli import main
from docflow.cli.review import parse_points, points_problems

ACTIVITIES = [{"form": 4}, {"form": 7}, {"form": 2}, {"form": "other"}]


def test_R_3_1b_points_are_given_by_the_number_the_officer_sees() -> None:
    assert parse_points(("4=0", "2=3")) == {4: 0, 2: 3}
    assert points_problems(ACTIVITIES, {4: 0}, "en") == []


def test_R_3_1b_an_unknown_activity_number_is_an_error() -> None:
    (problem,) = points_problems(ACTIVITIES, {5: 0}, "en")
    assert problem == "there is no activity 5: the report has 4 (numbers start at 1)"
    (problem,) = points_problems(ACTIVITIES, {0: 2}, "ru")
    assert problem.startswith("мероприятия 0 нет")
    (problem,) = points_problems(ACTIVITIES, {1: 2}, "kk")
    assert problem.startswith("1-іс-шара 2-қосымшаның 4 нысанына жатады")


def test_R_3_1b_a_malformed_points_option_exits_2(tmp_path: object) -> None:
    with pytest.raises(click.BadParameter):
        parse_points(("four=0",))
    result = CliRunner().invoke(main, ["review", "approve", "X", "--points", "4:0"])
    assert result.exit_code == 2 and "ACTIVITY=POINTS" in result.output
