"""The warm converter: survives its LibreOffice being killed or hung, serves concurrent callers,
starts on a brand-new profile (exit code 81), and matches the cold path's PDF/A-3b."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from docflow.errors import ConversionError
from docflow.render import Converter, cold_convert
from tests.render.conftest import flat

pytestmark = pytest.mark.slow


def small_docx(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_text(pdf: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def is_pdfa3b(pdf: bytes) -> bool:
    xmp = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    return b"pdfaid:part>3<" in xmp or b'pdfaid:part="3"' in xmp


def test_new_profile_exit_81_is_restarted(tmp_path: Path) -> None:
    with Converter(instances=1, root=tmp_path / "lo") as conv:
        assert conv.stats.first_start_restarts == 1  # the trap happened and was handled
        pdf = conv.convert(small_docx("Сәлем әлем ғ қ ң ө ұ ү һ і"))
    assert "Сәлем әлем ғ қ ң ө ұ ү һ і" in pdf_text(pdf)
    assert is_pdfa3b(pdf)


def test_survives_soffice_killed(tmp_path: Path) -> None:
    with Converter(instances=1, timeout=30) as conv:
        assert "first" in pdf_text(conv.convert(small_docx("first")))
        (pid,) = conv.soffice_pids()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        assert "after kill" in pdf_text(conv.convert(small_docx("after kill")))
        assert conv.soffice_pids() and conv.soffice_pids()[0] != pid
        assert conv.stats.restarts >= 1


def test_survives_soffice_killed_mid_conversion() -> None:
    big = Document()
    for i in range(250):
        big.add_paragraph(f"Жол {i}: " + "ұзын мәтін " * 40)
    out = io.BytesIO()
    big.save(out)
    with Converter(instances=1, timeout=60) as conv:
        (pid,) = conv.soffice_pids()
        killer = threading.Timer(0.3, os.kill, args=(pid, signal.SIGKILL))
        killer.start()
        pdf = conv.convert(out.getvalue())  # killed mid-way: restarted and retried once
        killer.join()
        assert "Жол 249" in pdf_text(pdf)
        assert conv.stats.restarts >= 1 and conv.stats.retries >= 1


def test_hung_soffice_times_out_and_is_replaced() -> None:
    with Converter(instances=1, timeout=4) as conv:
        (pid,) = conv.soffice_pids()
        os.kill(pid, signal.SIGSTOP)  # hangs: no answer, no exit
        started = time.monotonic()
        pdf = conv.convert(small_docx("after hang"))
        assert time.monotonic() - started < 60
        assert "after hang" in pdf_text(pdf)
        assert conv.stats.restarts == 1 and conv.stats.retries == 1
        assert pid not in conv.soffice_pids()


def test_concurrent_callers_get_their_own_documents(converter: Converter) -> None:
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            results[n] = pdf_text(converter.convert(small_docx(f"Құжат нөмірі {n}")))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {n: f"Құжат нөмірі {n}" in text for n, text in results.items()} == {
        n: True for n in range(8)
    }


def test_closed_converter_refuses() -> None:
    conv = Converter(instances=1)
    conv.close()
    with pytest.raises(ConversionError):
        conv.convert(small_docx("x"))


def test_cold_convert_is_pdfa_too(tmp_path: Path) -> None:
    usage: dict[str, float] = {}
    pdf = cold_convert(small_docx("суық жол"), profile=tmp_path / "p", usage=usage)
    assert "суық жол" in pdf_text(pdf)
    assert is_pdfa3b(pdf)
    assert usage["max_rss_kb"] > 10_000


def test_garbage_input_is_a_conversion_error(converter: Converter) -> None:
    with pytest.raises(ConversionError):
        converter.convert(b"this is not a docx")


def test_broken_docx_fails_without_restarting(converter: Converter) -> None:
    restarts = converter.stats.restarts
    with pytest.raises(ConversionError, match="cannot convert"):
        converter.convert(b"PK\x03\x04 broken zip")
    assert converter.stats.restarts == restarts
    assert "still fine" in pdf_text(converter.convert(small_docx("still fine")))


def test_libreoffice_does_not_outlive_a_parent_killed_with_sigkill(tmp_path: Path) -> None:
    """soffice runs in its own session; its UNO worker ends it when the parent's pipe closes."""
    import subprocess
    import sys

    script = (
        "from docflow.render import Converter\n"
        "conv = Converter(instances=2)\n"
        "print(' '.join(map(str, conv.soffice_pids())), flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert parent.stdout is not None
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in pids), "soffice outlived its parent"
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def test_libreoffice_does_not_outlive_a_parent_killed_while_it_starts(tmp_path: Path) -> None:
    """Killed before LibreOffice answered: the UNO worker, still connecting, ends it."""
    import subprocess
    import sys

    root = tmp_path / "lo"
    with Converter(instances=1, root=root):
        pass  # the profile exists now: no exit-81 restart below, one soffice to follow
    script = (
        "from docflow.render import convert\n"
        "tell = convert._Instance._tell_worker\n"
        "def traced(self, message):\n"
        "    tell(self, message)\n"
        "    print(message['soffice_pid'], flush=True)\n"
        "convert._Instance._tell_worker = traced\n"
        f"convert.Converter(instances=1, root=__import__('pathlib').Path({str(root)!r}))\n"
        "import time; time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        parent.kill()  # at once: LibreOffice is still starting
        parent.wait(timeout=10)
        assert _alive(pid)
        deadline = time.monotonic() + 20
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(pid), "soffice outlived a parent killed during start-up"
    finally:
        parent.kill()
