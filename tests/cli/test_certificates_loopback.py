"""A certificate batch issued with the loopback ``base_url`` warns that its QR codes point at
this machine (issue 14), in the CLI's language; a public address gives no warning."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from docflow.certificates import points_here
from docflow.cli import main
from docflow.config import Home


@pytest.mark.parametrize(
    ("url", "here"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000/", True),
        ("http://[::1]:8000", True),
        ("http://127.8.9.10", True),
        ("https://docflow.example.kz", False),
        ("http://10.0.0.5:8000", False),
    ],
)
def test_points_here(url: str, here: bool) -> None:
    assert points_here(url) is here


def _batch(home: Home) -> Path:
    data = {
        "kind": "event-certificates",
        "locale": "ru",
        "event": {"title": "Семинар", "form": 2, "organizer": "Палата", "date": "2025-03-14",
                  "hours": 8, "place": "Алматы"},
        "issuer": {"full_name": "Демо Эмитент", "position": "председатель", "chamber": "Палата"},
        "participants": [{"full_name": "Иванов Иван", "iin": "900415400127"}],
    }  # fmt: skip
    path = home.root / "batch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_loopback_base_url_warns_that_the_qr_codes_point_here(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()  # docflow.toml's default: http://127.0.0.1:8000
    args = ["--home", str(home.root), "--lang", "ru", "certificates", "issue", str(_batch(home))]
    result = CliRunner().invoke(main, args)
    assert "QR-коды этих сертификатов ведут на этот компьютер" in result.output
    assert "http://127.0.0.1:8000" in result.output


def test_a_public_base_url_gives_no_warning(tmp_path: Path) -> None:
    home = Home(tmp_path / "home").ensure()
    (home.root / "docflow.toml").write_text('base_url = "https://docflow.example.kz"\n')
    args = ["--home", str(home.root), "--lang", "en", "certificates", "issue", str(_batch(home))]
    result = CliRunner().invoke(main, args)
    assert "point at this machine" not in result.output
