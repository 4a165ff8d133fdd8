"""The public verify page's judgement in a worker process with a time budget (issue 19).

An upload is judged in a process of its own, forked from a forkserver that has already
imported the verify stack (so a request pays a fork, not the imports). If the judgement is not
done within ``TIME_BUDGET_SECONDS`` the process is killed — a thread could not be stopped —
and the page answers with a plain message instead of holding a core.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

from docflow.config import Home

log = logging.getLogger("docflow.web")

#: How long one upload may be judged. A docflow report takes well under a second; pyHanko's
#: own test files take at most a few (bench/results/verify.json).
TIME_BUDGET_SECONDS = 20.0

_PRELOAD = ["docflow.verify", "docflow.web.services", "pyhanko.sign.validation"]
_context_lock = threading.Lock()
_context: Any = None


def _mp_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _context = ctx
        return _context


@dataclass(frozen=True)
class Outcome:
    """What became of one upload: ``ok`` with its view, ``unreadable``, ``limit`` (a bound of
    verify, with its finding), ``timeout`` or ``error`` (not the visitor's fault)."""

    kind: Literal["ok", "unreadable", "limit", "timeout", "error"]
    view: Any = None
    finding: Any = None


def _work(conn: Connection, home: Home, data: bytes, file_name: str, locale: str) -> None:
    from docflow.errors import DocflowError, UnreadablePdf
    from docflow.verify import VerifyLimitExceeded
    from docflow.web.services import VerifyService

    try:
        view = VerifyService(home).judge(data, file_name=file_name, locale=locale)
        conn.send(Outcome("ok", view=view))
    except VerifyLimitExceeded as exc:
        conn.send(Outcome("limit", finding=exc.finding))
    except UnreadablePdf:
        conn.send(Outcome("unreadable"))
    except DocflowError:
        log.exception("verify failed")
        conn.send(Outcome("error"))
    except Exception:  # the worker reports, the page explains; nothing reaches the visitor
        log.exception("verify crashed")
        conn.send(Outcome("error"))
    finally:
        conn.close()


def judge_with_budget(
    home: Home, data: bytes, file_name: str, locale: str = "kk", budget: float | None = None
) -> Outcome:
    """Judge ``data`` in a worker process; kill it after ``budget`` seconds (blocking: call it
    from a thread pool in an async handler). Findings come in ``locale``."""
    seconds = TIME_BUDGET_SECONDS if budget is None else budget
    ctx = _mp_context()
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_work, args=(send, home, data, file_name, locale), daemon=True)
    worker.start()
    send.close()
    try:
        if receive.poll(seconds):
            try:
                outcome: Outcome = receive.recv()
                return outcome
            except EOFError:  # the worker died without a word (killed by the OS, crashed)
                return Outcome("error")
        return Outcome("timeout")
    finally:
        receive.close()
        if worker.is_alive():
            worker.kill()
        worker.join(5)
