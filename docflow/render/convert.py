"""DOCX -> PDF/A-3b with LibreOffice: the warm ``Converter`` used by the pipeline and the naive
``cold_convert`` (one soffice per document) kept for the benchmark.

The warm converter keeps N soffice processes alive, each with its own profile
(``-env:UserInstallation``; STYLE.md trap: a shared profile collides) and each driven over UNO by
a small worker under Debian's ``/usr/bin/python3`` (python3-uno is not importable from the venv).
Callers on any number of threads borrow an idle instance; a document that times out or whose
LibreOffice dies gets the instance restarted and is tried once more. Output is checked to exist
and to be a PDF. A brand-new profile makes soffice exit with code 81 on its first start: it is
simply started again.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from docflow.errors import ConversionError

__all__ = ["Converter", "ConverterStats", "cold_convert", "find_soffice"]

WORKER = Path(__file__).with_name("_uno_worker.py")
UNO_PYTHON = os.environ.get("DOCFLOW_UNO_PYTHON", "/usr/bin/python3")
#: soffice's exit code after it has created a new profile and wants to be started again.
EXIT_RESTART = 81
#: The export filter as --convert-to options (JSON syntax, LibreOffice >= 7.4); the warm path
#: sets the same values over UNO in _uno_worker.pdf_filter().
_COLD_FILTER = json.dumps(
    {
        "SelectPdfVersion": {"type": "long", "value": "3"},
        "UseTaggedPDF": {"type": "boolean", "value": "true"},
        "EmbedStandardFonts": {"type": "boolean", "value": "true"},
        "ExportBookmarksToPDFDestination": {"type": "boolean", "value": "true"},
        "ExportBookmarks": {"type": "boolean", "value": "false"},
        "ExportFormFields": {"type": "boolean", "value": "false"},
    },
    separators=(",", ":"),
)


def find_soffice() -> Path:
    """The real ``soffice.bin`` (not the shell wrapper), so the pid we hold is LibreOffice's."""
    override = os.environ.get("DOCFLOW_SOFFICE")
    candidates = [Path(override)] if override else []
    wrapper = shutil.which("soffice") or shutil.which("libreoffice")
    if wrapper:
        candidates.append(Path(wrapper).resolve().with_name("soffice.bin"))
    candidates.append(Path("/usr/lib/libreoffice/program/soffice.bin"))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ConversionError("LibreOffice (soffice) is not installed; apt install libreoffice-writer")


def _soffice_args(profile: Path) -> list[str]:
    return [
        str(find_soffice()),
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        "--nofirststartwizard",
    ]


def _kill(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with suppress(ProcessLookupError):
        proc.kill()
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _check_pdf(path: Path) -> bytes:
    if not path.is_file():
        raise ConversionError("LibreOffice reported success but wrote no PDF")
    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise ConversionError("LibreOffice wrote a file that is not a complete PDF")
    return data


@dataclass
class ConverterStats:
    """Counters for tests and the benchmark (not a contract)."""

    converted: int = 0
    restarts: int = 0
    retries: int = 0
    first_start_restarts: int = 0  # exit code 81 on a brand-new profile


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


class _Refused(Exception):
    """LibreOffice is alive but could not convert this document: retrying will not help."""


@dataclass
class _Instance:
    """One soffice + its UNO worker. Used by one caller at a time (borrowed from the pool)."""

    index: int
    root: Path
    startup_timeout: float
    stats: ConverterStats
    soffice: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    replies: queue.Queue[dict[str, object] | None] = field(default_factory=queue.Queue)
    generation: int = 0

    @property
    def profile(self) -> Path:
        return self.root / f"profile-{self.index}"

    @property
    def workdir(self) -> Path:
        return self.root / f"work-{self.index}"

    def start(self) -> None:
        self.generation += 1
        self.workdir.mkdir(parents=True, exist_ok=True)
        pipe = f"docflow-{os.getpid()}-{id(self):x}-{self.index}-{self.generation}"
        accept = f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"
        # The UNO worker first: it ends soffice when this process dies, so soffice is handed
        # to it the moment it exists.
        self.replies = queue.Queue()
        self.worker = subprocess.Popen(
            [UNO_PYTHON, str(WORKER), pipe, str(self.startup_timeout)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        threading.Thread(
            target=self._read_replies, args=(self.worker, self.replies), daemon=True
        ).start()
        soffice = self._spawn_soffice(accept)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                reply = self.replies.get(timeout=0.2)
            except queue.Empty:
                reply = {}
            if reply is None:
                self.stop()
                raise ConversionError("LibreOffice UNO worker exited during start-up")
            if reply.get("ready"):
                return
            code = soffice.poll()
            if code == EXIT_RESTART:
                # A new profile was just created; soffice wants to be started once more.
                self.stats.first_start_restarts += 1
                soffice = self._spawn_soffice(accept)
            elif code is not None:
                self.stop()
                raise ConversionError(f"soffice exited with code {code} during start-up")
            if time.monotonic() > deadline:
                self.stop()
                raise ConversionError(
                    f"LibreOffice did not start within {self.startup_timeout:.0f} s"
                )

    def _bridge_lost(self, error: str) -> bool:
        """Whether a failed conversion means LibreOffice died rather than refused the file.

        A killed soffice shows first as a disposed UNO bridge in the worker's reply, often
        before ``poll()`` sees the exit, so the reply's words count as much as the exit code.
        """
        if "DisposedException" in error or "bridge" in error.lower():
            return True
        deadline = time.monotonic() + 0.5
        while self.soffice is not None and self.soffice.poll() is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _tell_worker(self, message: dict[str, object]) -> None:
        assert self.worker is not None and self.worker.stdin is not None
        with suppress(OSError):  # a worker already gone shows as EOF on its replies
            self.worker.stdin.write((json.dumps(message) + "\n").encode())
            self.worker.stdin.flush()

    def _spawn_soffice(self, accept: str) -> subprocess.Popen[bytes]:
        """Start soffice and hand its pid to the UNO worker, which ends it if we die."""
        self.soffice = soffice = subprocess.Popen(
            [*_soffice_args(self.profile), accept],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Two malloc arenas instead of one per thread: ~10 MB less after a few hundred
            # documents, at no measurable cost.
            env={**os.environ, "MALLOC_ARENA_MAX": "2"},
            start_new_session=True,  # its own process group: killpg reaches its children too
        )
        self._tell_worker({"soffice_pid": soffice.pid})
        return soffice

    @staticmethod
    def _read_replies(
        worker: subprocess.Popen[bytes], replies: queue.Queue[dict[str, object] | None]
    ) -> None:
        assert worker.stdout is not None
        for line in worker.stdout:
            with suppress(ValueError):
                replies.put(json.loads(line))
        replies.put(None)  # EOF: the worker is gone

    def stop(self) -> None:
        if self.worker is not None and self.worker.stdin is not None:
            with suppress(OSError):
                self.worker.stdin.close()
        _kill(self.worker)
        _kill(self.soffice)
        self.worker = self.soffice = None

    def restart(self) -> None:
        self.stats.restarts += 1
        self.stop()
        self.start()

    def convert(self, docx: bytes, timeout: float) -> bytes:
        if self.worker is None or self.soffice is None or self.soffice.poll() is not None:
            self.restart()
        assert self.worker is not None and self.worker.stdin is not None
        src = self.workdir / "in.docx"
        dst = self.workdir / "out.pdf"
        dst.unlink(missing_ok=True)
        src.write_bytes(docx)
        request = json.dumps({"src": str(src), "dst": str(dst)}) + "\n"
        try:
            self.worker.stdin.write(request.encode())
            self.worker.stdin.flush()
        except OSError as exc:
            raise _Died(f"UNO worker not reachable: {exc}") from exc
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self.replies.get(timeout=min(0.5, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                if self.soffice is not None and self.soffice.poll() is not None:
                    raise _Died(f"soffice exited with code {self.soffice.returncode}") from None
                if time.monotonic() >= deadline:
                    raise _Timeout(f"no result within {timeout:.0f} s") from None
                continue
            if reply is None:
                raise _Died("UNO worker exited")
            if not reply.get("ok"):
                error = str(reply.get("error", "conversion failed"))
                if self._bridge_lost(error):
                    raise _Died(error)
                raise _Refused(error)
            try:
                return _check_pdf(dst)
            finally:
                src.unlink(missing_ok=True)
                dst.unlink(missing_ok=True)


class Converter:
    """A warm LibreOffice pool turning DOCX bytes into PDF/A-3b bytes. Thread-safe.

    ``Converter(instances=2, timeout=60)`` starts ``instances`` soffice processes (in parallel)
    under ``root`` (default: a temporary folder removed by ``close()``). Use as a context manager::

        with Converter() as conv:
            pdf = conv.convert(docx_bytes)
    """

    def __init__(
        self,
        instances: int = 2,
        *,
        timeout: float = 60.0,
        startup_timeout: float = 90.0,
        root: Path | None = None,
    ) -> None:
        if instances < 1:
            raise ValueError("instances must be >= 1")
        self.timeout = timeout
        self.stats = ConverterStats()
        self._owns_root = root is None
        self._root = Path(tempfile.mkdtemp(prefix="docflow-lo-")) if root is None else root
        self._root.mkdir(parents=True, exist_ok=True)
        self._instances = [
            _Instance(i, self._root, startup_timeout, self.stats) for i in range(instances)
        ]
        self._idle: queue.Queue[_Instance] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        errors: list[BaseException] = []

        def boot(instance: _Instance) -> None:
            try:
                instance.start()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=boot, args=(i,)) for i in self._instances]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            self.close()
            raise ConversionError(f"LibreOffice could not be started: {errors[0]}")
        for instance in self._instances:
            self._idle.put(instance)
        # A converter dropped without close() must not leave soffice processes behind.
        self._finalizer = weakref.finalize(self, _stop_all, list(self._instances))

    def convert(self, docx: bytes) -> bytes:
        """One DOCX to PDF/A-3b. Blocks until an instance is free; raises ``ConversionError``
        if the document fails twice (with a restart of LibreOffice in between)."""
        if self._closed:
            raise ConversionError("converter is closed")
        if not docx.startswith(b"PK"):
            raise ConversionError("not a DOCX (ZIP) document")
        instance = self._idle.get()
        try:
            for attempt in (1, 2):
                try:
                    pdf = instance.convert(docx, self.timeout)
                except _Refused as exc:
                    raise ConversionError(
                        f"LibreOffice cannot convert this document: {exc}"
                    ) from exc
                except (_Timeout, _Died) as exc:
                    # Hung or crashed: a fresh LibreOffice, then one more try of this document.
                    try:
                        instance.restart()
                    except ConversionError as restart_error:
                        raise ConversionError(
                            f"LibreOffice failed ({exc}) and could not be restarted: "
                            f"{restart_error}"
                        ) from exc
                    if attempt == 2:
                        raise ConversionError(f"conversion failed twice: {exc}") from exc
                    self.stats.retries += 1
                    continue
                with self._lock:
                    self.stats.converted += 1
                return pdf
            raise AssertionError("unreachable")
        finally:
            self._idle.put(instance)

    def soffice_pids(self) -> list[int]:
        """The pids of the live soffice processes (for tests and the benchmark)."""
        return [i.soffice.pid for i in self._instances if i.soffice and i.soffice.poll() is None]

    def close(self) -> None:
        self._closed = True
        if hasattr(self, "_finalizer"):
            self._finalizer.detach()
        _stop_all(self._instances)
        if self._owns_root:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> Converter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[int]:  # pragma: no cover - convenience for debugging
        return iter(self.soffice_pids())


def _stop_all(instances: list[_Instance]) -> None:
    for instance in instances:
        instance.stop()


def cold_convert(
    docx: bytes,
    *,
    profile: Path | None = None,
    timeout: float = 120.0,
    usage: dict[str, float] | None = None,
) -> bytes:
    """The naive path: start soffice, convert one document, exit. For the benchmark only.

    ``profile``: a profile folder to (re)use (default: a fresh one, which costs the exit-81
    restart). ``usage``, when given, receives ``max_rss_kb`` of the soffice process.
    """
    with tempfile.TemporaryDirectory(prefix="docflow-cold-") as tmp:
        work = Path(tmp)
        src = work / "document.docx"
        src.write_bytes(docx)
        args = [
            *_soffice_args(profile or work / "profile"),
            "--convert-to",
            f"pdf:writer_pdf_Export:{_COLD_FILTER}",
            "--outdir",
            str(work / "out"),
            str(src),
        ]
        for _ in range(3):
            proc = subprocess.Popen(
                args,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            code, rss = _wait_with_rusage(proc, timeout)
            if usage is not None:
                usage["max_rss_kb"] = max(usage.get("max_rss_kb", 0.0), float(rss))
            if code != EXIT_RESTART:
                break
        if code != 0:
            raise ConversionError(f"soffice --convert-to exited with code {code}")
        return _check_pdf(work / "out" / "document.pdf")


def _wait_with_rusage(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, rusage.ru_maxrss
        if time.monotonic() > deadline:
            _kill(proc)
            raise ConversionError(f"soffice did not finish within {timeout:.0f} s")
        time.sleep(0.02)
