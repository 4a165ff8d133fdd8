"""`docflow --help` and `docflow check` start fast (lazy imports) and print no warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from docflow.cli import _COMMANDS, _load, main

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "inbox" / "03-nurlanov-2025.zip"

_PROBE = """
import sys
from docflow.cli import main
try:
    main([{args}], standalone_mode=False)
except SystemExit:
    pass
heavy = sorted(m for m in ("pyhanko", "docflow.verify", "docflow.render", "docflow.archive",
                            "docflow.workflow", "aiohttp", "docx") if m in sys.modules)
print("HEAVY", heavy, file=sys.stderr)
"""


def _probe(*args: str) -> subprocess.CompletedProcess[str]:
    code = _PROBE.format(args=", ".join(repr(a) for a in args))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_help_lists_every_command_the_modules_register() -> None:
    registered: dict[str, click.Command] = {}
    for module in {m for m, _ in _COMMANDS.values()}:
        registered.update(_load(module))
    assert set(registered) == set(_COMMANDS)
    ctx = click.Context(main)
    assert main.list_commands(ctx)[: len(_COMMANDS)] == list(_COMMANDS)


def test_help_imports_no_signing_rendering_or_archive_code() -> None:
    result = _probe("--help")
    assert "HEAVY []" in result.stderr, result.stderr
    assert "Commands:" in result.stdout and "check" in result.stdout


def test_check_imports_no_signing_rendering_or_archive_code() -> None:
    result = _probe("check", str(SAMPLE), "--today", "2026-02-10")
    assert "HEAVY []" in result.stderr, result.stderr


def test_no_deprecation_warning_on_a_command() -> None:
    # pyHanko's DSA import used to print CryptographyDeprecationWarning on every command.
    code = "from docflow.cli import main\nimport docflow.verify\nprint('ok')"
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "ok"
    assert "Warning" not in result.stderr, result.stderr
