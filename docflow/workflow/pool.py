"""Worker processes for the runner: each submission runs in one of N processes, so the pure
Python stages (parsing, templates, pyHanko) use every core instead of sharing one GIL.

``WorkerPool(services, workers=N)`` is a ``ProcessFn``: the runner's threads stay in the parent,
each hands its submission to an idle worker, waits, and commits the outcome as before. The
first workers are forked from the parent while it still has a single thread, after it imported
the heavy modules and froze them (``gc.freeze``), so the workers share those pages and no
extra process holds them; a parent that already runs threads, and every replacement of a dead
worker, use a ``forkserver`` instead (never a plain ``fork`` of a multithreaded process). Each
worker builds its own services and flow once (``build_services``, ``build_flow``) and converts
through the parent: one warm
LibreOffice for all, served over a unix socket with a per-run random key
(``ConverterServer``). The parent starts LibreOffice and the trust services right after the
first workers, before any submission; a worker's ``RunningTrustServices`` finds them listening.

A kind with ``per`` (a certificate batch) comes back from its worker as ``split``: its parts
are then handed to every idle worker at once, and a last call collects them.

Failures:

* a submission that raises in a worker raises the same exception here (the runner rejects it
  with the explanation, as with threads);
* a worker that dies (``kill -9``, out of memory) is replaced and its submission run again in
  the new one; every stage and the archive are idempotent for the same token. A submission
  whose worker dies ``attempts`` times raises ``WorkerCrashed`` (rejected, the others go on);
* a worker holds a "lifeline" connection to the parent and exits the moment it closes, so a
  parent killed with SIGKILL leaves no worker behind to race the next run on the same work
  folders. (``PR_SET_PDEATHSIG`` would not do: a worker's parent is the forkserver, which
  outlives the docflow process while any worker holds its "alive" pipe.)
* workers ignore SIGINT and SIGTERM: Ctrl-C or a stop of the whole process group lets the
  parent finish what is in flight, then it stops the workers.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing
import os
import pickle
import queue
import secrets
import signal
import tempfile
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Client, Connection, Listener
from multiprocessing.context import ForkContext, ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from docflow.config import Clock, Home
from docflow.errors import ConversionError, DocflowError
from docflow.inbox.journal import Entry
from docflow.inbox.runner import Outcome, ProcessFn
from docflow.ports import Converter
from docflow.workflow.build import build_flow
from docflow.workflow.flow import COLLECT, WHOLE, Flow, Step
from docflow.workflow.services import Services, build_services

__all__ = ["ConverterServer", "RemoteConverter", "WorkerCrashed", "WorkerError", "WorkerPool"]

log = logging.getLogger("docflow.workflow")

#: Imported once in the forkserver: every worker starts with them loaded (shared pages).
PRELOAD = (
    "docflow.workflow.pool",
    "docflow.workflow.cpd",
    "docflow.workflow.build",
    "docflow.workflow.certificates",
    "docflow.intake.parse",
    "docflow.rules",
    "docflow.render",
    "docflow.render.service",
    "docflow.sign",
    "docflow.pki",
    "docflow.archive",
    "docflow.certificates",
    "docxtpl",
    "pypdf",
    "pyhanko.sign",
    "pyhanko.sign.signers",
    "pyhanko.sign.timestamps",
    "pyhanko.sign.validation",
    "pyhanko_certvalidator",
    # imported lazily by the first report (measured): the stamp font's tables, XMP, filters
    "pyhanko.pdf_utils.filters",
    "pyhanko.pdf_utils.metadata.xmp_xml",
    "pypdf.filters",
    "fontTools.agl",
    "fontTools.ttLib.tables.O_S_2f_2",
    "fontTools.ttLib.tables._c_v_t",
    "fontTools.ttLib.tables._f_p_g_m",
    "fontTools.ttLib.tables._g_a_s_p",
    "fontTools.ttLib.tables._h_h_e_a",
    "fontTools.ttLib.tables._l_o_c_a",
    "fontTools.ttLib.tables._p_r_e_p",
    "docflow.workflow._freeze",  # last: freezes all of the above (see its docstring)
)

#: sun_path holds 108 bytes; a longer socket path goes into a private temporary folder.
_MAX_SOCKET_PATH = 100
_SOCKET_PREFIX = "convert-"

_context_lock = threading.Lock()
_context: ForkServerContext | None = None


def _forkserver() -> ForkServerContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _context = context
        return _context


def _fork_if_safe() -> ForkContext | None:
    """The plain ``fork`` context when this process has no other thread (nothing can hold a
    lock across the fork), after importing ``PRELOAD`` here and freezing it, so the workers
    share this process's pages and no forkserver process is needed; else None."""
    if threading.active_count() > 1:
        return None
    for name in PRELOAD:
        importlib.import_module(name)
    from docflow.workflow import _freeze

    _freeze.freeze()  # the import above froze only if it was the first
    return multiprocessing.get_context("fork")


class WorkerCrashed(DocflowError):
    """A worker process died every time it ran this submission."""


class WorkerError(DocflowError):
    """An exception raised in a worker that could not be sent back as itself."""


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (chained as its ``__cause__``)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n\n(in the worker process)\n{self.text}"


# ---------------------------------------------------------------------- the converter channel


class ConverterServer:
    """Serves ``convert`` requests of worker processes with one converter of this process.

    A unix socket under ``folder`` (readable by the owner only), a random key per run
    (``authkey``: a connection that does not know it is refused), one thread per connection.
    ``converter`` is a callable returning the converter, so it may be built on first use.
    """

    def __init__(self, converter: Callable[[], Converter], folder: Path, *, serve: bool = True):
        self._converter = converter
        self.authkey = secrets.token_bytes(32)
        self._private_dir: Path | None = None
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_sockets(folder)
        path = folder / f"{_SOCKET_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.sock"
        if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
            self._private_dir = Path(tempfile.mkdtemp(prefix="docflow-"))
            path = self._private_dir / "convert.sock"
        self.address = str(path)
        self._listener = Listener(self.address, family="AF_UNIX", backlog=16, authkey=self.authkey)
        os.chmod(self.address, 0o600)
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._accept_loop, name="docflow-convert-server", daemon=True
        )
        if serve:
            self.serve()

    def serve(self) -> None:
        """Start answering (connections made before wait in the listen queue)."""
        if not self._thread.is_alive() and not self._closed.is_set():
            self._thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self._listener.accept()
            except multiprocessing.AuthenticationError:
                log.warning("refused a connection to the converter: wrong key")
                continue
            except (OSError, EOFError) as exc:
                if self._closed.is_set():
                    return
                log.warning("converter connection failed: %s", exc)
                continue
            if self._closed.is_set():
                conn.close()
                return
            threading.Thread(
                target=self._serve, args=(conn,), name="docflow-convert-conn", daemon=True
            ).start()

    def _serve(self, conn: Connection[Any, Any]) -> None:
        with conn:
            while True:
                try:
                    request = conn.recv()
                except (EOFError, OSError):
                    return  # the worker closed it, or died
                reply = self._answer(request)
                try:
                    conn.send(reply)
                except OSError:
                    return

    def _answer(self, request: Any) -> tuple[str, Any]:
        if not (isinstance(request, tuple) and len(request) == 2 and request[0] == "convert"):
            return ("error", "unknown request")
        try:
            return ("ok", self._converter().convert(request[1]))
        except ConversionError as exc:
            return ("error", str(exc))
        except Exception as exc:  # the worker decides; this thread keeps serving
            log.exception("conversion for a worker failed")
            return ("error", f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        # accept() does not return when its socket is closed under it: connect once to wake it.
        try:
            Client(self.address, family="AF_UNIX", authkey=self.authkey).close()
        except (OSError, EOFError, multiprocessing.AuthenticationError):
            pass
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()
        if self._private_dir is not None:
            for leftover in self._private_dir.iterdir():
                leftover.unlink(missing_ok=True)
            self._private_dir.rmdir()


def _remove_stale_sockets(folder: Path) -> None:
    """Sockets left by a docflow process that was killed (its pid is in the name)."""
    for path in folder.glob(f"{_SOCKET_PREFIX}*.sock"):
        try:
            pid = int(path.name[len(_SOCKET_PREFIX) :].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


class RemoteConverter:
    """The worker's side of ``ConverterServer``: ``convert(docx) -> pdf`` like ``Converter``.

    Thread-safe: each caller borrows a connection (a new one when all are busy), so a
    certificate batch's threads in one worker convert in parallel as they would here.
    """

    def __init__(self, address: str, authkey: bytes):
        self.address = address
        self._authkey = authkey
        self._idle: list[Connection[Any, Any]] = []
        self._lock = threading.Lock()

    def convert(self, docx: bytes) -> bytes:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        try:
            if conn is None:
                conn = Client(self.address, family="AF_UNIX", authkey=self._authkey)
            conn.send(("convert", docx))
            kind, value = conn.recv()
        except (OSError, EOFError, multiprocessing.AuthenticationError) as exc:
            if conn is not None:
                conn.close()
            raise ConversionError(
                f"the converter of the parent process is not reachable: {exc}"
            ) from exc
        with self._lock:
            self._idle.append(conn)
        if kind != "ok":
            raise ConversionError(str(value))
        return bytes(value)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


# ---------------------------------------------------------------------- the worker process


def _worker_main(
    conn: Connection[Any, Any],
    address: str,
    authkey: bytes,
    root: str,
    clock: Clock,
    pipeline: Callable[[Services], ProcessFn] | None,
    log_level: int,
) -> None:
    """A worker: build the services and the flow once, then run submissions until told to
    stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=log_level,
        format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s",
    )
    try:
        lifeline = Client(address, family="AF_UNIX", authkey=authkey)
    except (OSError, EOFError, multiprocessing.AuthenticationError):
        os._exit(70)  # the parent is gone already
    threading.Thread(
        target=_exit_with_parent, args=(lifeline,), name="docflow-lifeline", daemon=True
    ).start()
    converter = RemoteConverter(address, authkey)
    try:
        services = build_services(Home(Path(root)), clock=clock, converter=converter)
        process: ProcessFn = build_flow(services) if pipeline is None else pipeline(services)
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                break
            if message[0] != "run":
                break
            entry, workdir, step = message[1], message[2], message[3]
            before = services.timings.snapshot()
            try:
                if isinstance(process, Flow):
                    outcome = process.run(entry, workdir, step)
                else:
                    outcome = process(entry, workdir)
                reply: tuple[Any, ...] = ("done", outcome)
            except Exception as exc:
                reply = ("raised", _portable(exc), traceback.format_exc())
            conn.send((*reply, _difference(before, services.timings.snapshot())))
    finally:
        services.close()
        converter.close()


def _exit_with_parent(lifeline: Connection[Any, Any]) -> None:
    """Block on the lifeline; the parent never writes to it, so any return means it is gone."""
    try:
        lifeline.recv()
    except BaseException:
        pass
    os._exit(70)


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling as itself, else a ``WorkerError`` saying what it was."""
    try:
        copy = pickle.loads(pickle.dumps(exc))
        if type(copy) is type(exc) and str(copy) == str(exc):
            return exc
    except Exception:
        pass
    return WorkerError(f"{type(exc).__name__}: {exc}")


Timings = tuple[dict[str, float], dict[str, int]]


def _difference(before: Timings, after: Timings) -> Timings:
    seconds = {k: v - before[0].get(k, 0.0) for k, v in after[0].items()}
    counts = {k: v - before[1].get(k, 0) for k, v in after[1].items()}
    return (
        {k: v for k, v in seconds.items() if counts.get(k)},
        {k: v for k, v in counts.items() if v},
    )


# ---------------------------------------------------------------------- the parent's side


class _Lost(Exception):
    """The worker died while it had a submission."""


class _Worker:
    """One slot of the pool: a worker process, started (again) when needed."""

    def __init__(self, pool: WorkerPool, index: int):
        self.pool = pool
        self.index = index
        self.process: BaseProcess | None = None
        self.conn: Connection[Any, Any] | None = None
        self.pid: int | None = None
        self.busy = False

    def spawn(self, context: ForkContext | ForkServerContext | None = None) -> None:
        """Start the worker process: forked from this process when ``context`` says so (the
        first workers, see ``_fork_if_safe``), else from the forkserver (replacements)."""
        pool = self.pool
        context = context or _forkserver()
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_worker_main,
            args=(child_end, pool.server.address, pool.server.authkey, str(pool.services.home.root),
                  pool.services.clock, pool.pipeline, logging.getLogger().getEffectiveLevel()),
            name=f"docflow-worker-{self.index}",
            daemon=True,
        )  # fmt: skip
        process.start()
        child_end.close()  # so that the worker's death reads as EOF here
        self.process, self.conn, self.pid = process, parent_end, None

    def await_ready(self, timeout: float) -> None:
        assert self.conn is not None and self.process is not None
        try:
            if not self.conn.poll(timeout):
                raise WorkerCrashed(f"a worker process did not start within {timeout:.0f} s")
            message = self.conn.recv()
        except (EOFError, OSError) as exc:
            how = self.describe_exit()
            self.stop(kill=True)
            raise WorkerCrashed(f"a worker process died while starting ({how})") from exc
        except WorkerCrashed:
            self.stop(kill=True)
            raise
        if message[0] != "ready":
            self.stop(kill=True)
            raise WorkerCrashed(f"a worker process could not start: {message[1]}")
        self.pid = int(message[1])

    def start(self, timeout: float) -> None:
        self.spawn()
        self.await_ready(timeout)

    def run(self, entry: Entry, workdir: Path, step: Step) -> tuple[Any, ...]:
        assert self.conn is not None and self.process is not None
        try:
            self.conn.send(("run", entry, workdir, step))
            # EOF says the worker died; the liveness check is a second opinion.
            while not self.conn.poll(1.0):
                if not self.process.is_alive():
                    raise EOFError("worker process exited")
            return tuple(self.conn.recv())
        except (EOFError, OSError) as exc:
            raise _Lost(self.describe_exit()) from exc

    def describe_exit(self) -> str:
        if self.process is None:
            return "not started"
        self.process.join(timeout=10)
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def stop(self, *, kill: bool = False, timeout: float = 30.0) -> None:
        process, conn = self.process, self.conn
        self.process = self.conn = None
        self.pid = None
        if process is None:
            return
        if conn is not None:
            if not kill:
                try:
                    conn.send(("stop",))
                except OSError:
                    pass
            conn.close()
        if not kill:
            process.join(timeout)
        if process.is_alive():
            process.kill()
        process.join(10)


class WorkerPool:
    """A ``ProcessFn`` that runs each submission in one of ``workers`` processes.

    ``pipeline`` builds the per-worker ``ProcessFn`` from the worker's services (default
    ``build_flow``; it must be importable by name). ``warm`` starts the parent's LibreOffice
    and trust services now, before any worker. Stage timings measured in the workers are
    added to ``services.timings`` with each result. ``close()`` after the runner.
    """

    def __init__(
        self,
        services: Services,
        *,
        workers: int = 2,
        pipeline: Callable[[Services], ProcessFn] | None = None,
        attempts: int = 3,
        warm: bool = True,
        start_timeout: float = 120.0,
    ):
        self.services = services
        self.pipeline = pipeline
        self.attempts = max(1, attempts)
        self.start_timeout = start_timeout
        #: Worker processes replaced after dying (for tests and the benchmark).
        self.restarts = 0
        self._converter_lock = threading.Lock()
        self._count_lock = threading.Lock()
        # Threads start only after the first workers exist, so that they can be forked from
        # this process (see _fork_if_safe): the converter channel is bound now, served later.
        self.server = ConverterServer(self._converter, services.home.state, serve=False)
        self._workers = [_Worker(self, i) for i in range(max(1, workers))]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        atexit.register(self._kill_all)  # runs before multiprocessing's own exit handler
        try:
            fork = _fork_if_safe()
            #: How the first workers were made ("fork" or "forkserver"), for tests and the bench.
            self.start_method = "fork" if fork is not None else "forkserver"
            for worker in self._workers:
                worker.spawn(fork)
            self.server.serve()
            if warm:
                # Listening before any worker gets a submission (they look for it then), and
                # LibreOffice starting while the workers build their parts.
                services.trust  # noqa: B018
                self._converter()
            for worker in self._workers:
                worker.await_ready(start_timeout)
        except BaseException:
            self.close()
            raise
        for worker in self._workers:
            self._idle.put(worker)
        log.info("%d worker processes ready (%s)", len(self._workers), self.start_method)

    def _converter(self) -> Converter:
        return self.services.converter

    # ------------------------------------------------------------------ the ProcessFn

    def __call__(self, entry: Entry, workdir: Path) -> Outcome:
        outcome = self.dispatch(entry, workdir, WHOLE)
        if outcome.state != "split":
            return outcome
        # The parts of a batch: every worker at once (each takes the next idle one).
        threads = len(self._workers)
        with ThreadPoolExecutor(threads, thread_name_prefix="docflow-parts") as helpers:
            futures = [
                helpers.submit(self.dispatch, entry, workdir, Step.part(i)) for i in outcome.parts
            ]
            for future in futures:
                future.result()
        return self.dispatch(entry, workdir, COLLECT)

    def dispatch(self, entry: Entry, workdir: Path, step: Step) -> Outcome:
        """One call of the worker's flow (``Flow.run``) in an idle worker."""
        if self._closed:
            raise WorkerError("the worker pool is closed")
        deaths: list[str] = []
        while True:
            worker = self._idle.get()
            pid = worker.pid
            try:
                if worker.process is None:  # its replacement failed to start before
                    worker.start(self.start_timeout)
                    pid = worker.pid
                worker.busy = True
                try:
                    reply = worker.run(entry, workdir, step)
                finally:
                    worker.busy = False
            except _Lost as lost:
                deaths.append(f"worker {pid} {lost}")
                with self._count_lock:
                    self.restarts += 1
                worker.stop(kill=True)
                if len(deaths) >= self.attempts:
                    self._idle.put(worker)  # started again by the next submission
                    raise WorkerCrashed(
                        f"the worker process died each time it processed {entry.source}: "
                        + "; ".join(deaths)
                    ) from None
                log.warning(
                    "worker %s died (%s) while processing %s; running it again in a new worker",
                    pid,
                    lost,
                    entry.source,
                )
                try:
                    worker.start(self.start_timeout)
                finally:
                    self._idle.put(worker)
                continue
            except BaseException:
                self._idle.put(worker)
                raise
            self._idle.put(worker)
            return self._result(reply)

    def _result(self, reply: tuple[Any, ...]) -> Outcome:
        seconds, counts = reply[-1]
        self.services.timings.add(seconds, counts)
        if reply[0] == "done":
            outcome = reply[1]
            assert isinstance(outcome, Outcome)
            return outcome
        exc, text = reply[1], reply[2]
        raise exc from _RemoteTraceback(text)

    # ------------------------------------------------------------------ looking in, closing

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._workers if w.pid is not None]

    def busy_pids(self) -> list[int]:
        """Workers with a submission in hand right now (tests kill one of these)."""
        return [w.pid for w in self._workers if w.busy and w.pid is not None]

    def close(self) -> None:
        """Stop the workers (after the runner has drained), then the converter channel."""
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            worker.stop()
        self.server.close()
        atexit.unregister(self._kill_all)

    def _kill_all(self) -> None:
        # Workers ignore SIGTERM, which multiprocessing's exit handler would send and then
        # wait for; an interpreter leaving without close() kills them instead.
        for worker in self._workers:
            if worker.process is not None and worker.process.is_alive():
                worker.process.kill()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
