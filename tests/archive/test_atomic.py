"""docflow.atomic: a file is absent or whole, even when the writer is killed (SIGKILL)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docflow.atomic import append_durable, is_temp_name, write_bytes_atomic, write_text_atomic

_WRITER = """
import sys
from pathlib import Path
from docflow.atomic import write_bytes_atomic
target = Path(sys.argv[1])
versions = [bytes([65 + i]) * 8_000_000 for i in range(3)]
i = 0
while True:
    write_bytes_atomic(target, versions[i % 3])
    i += 1
    print(i, flush=True)
"""


def test_write_replace_and_no_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.json"
    write_text_atomic(target, "первый")
    write_text_atomic(target, "второй")
    assert target.read_text(encoding="utf-8") == "второй"
    with pytest.raises(FileExistsError):
        write_bytes_atomic(target, b"third", overwrite=False)
    assert target.read_text(encoding="utf-8") == "второй"
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]  # no temp file left


def test_a_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_bytes_atomic(tmp_path / "x", "not bytes")  # type: ignore[arg-type]  # fails mid-write
    assert list(tmp_path.iterdir()) == []


def test_temp_names_are_recognisable() -> None:
    assert is_temp_name(".R-1.pdf.0a1b2c3d4e5f.tmp")
    assert not is_temp_name("R-1.pdf") and not is_temp_name(".hidden")


def test_append_durable(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    append_durable(log, b"one\n")
    append_durable(log, b"two\n")
    assert log.read_bytes() == b"one\ntwo\n"


def test_sigkill_mid_write_leaves_a_whole_old_or_new_file(tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # at least one complete version exists
    time.sleep(0.137)  # then kill at an arbitrary moment, most likely mid-write
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    data = target.read_bytes()
    assert len(data) == 8_000_000
    assert data in (b"A" * 8_000_000, b"B" * 8_000_000, b"C" * 8_000_000)
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert all(is_temp_name(name) for name in leftovers)  # only recognisable temp files
