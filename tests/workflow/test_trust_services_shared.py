"""Issue 19: the trust services of a home are shared by every command, and a listener on the
home's service port that is not this home's PKI is named.

Before: concurrent commands (`review approve` twice) raced for the port ("Address already in
use"), and a process that found the services already running used them, and lost them when the
process that started them ended; a home whose port was answered by another home's services or
another program failed every report with "internal error" and no hint."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from docflow.config import Home
from docflow.errors import PkiError
from docflow.pki import Pki, TrustServices
from docflow.pki.testing import make_test_pki
from docflow.workflow import services as services_module

#: One command's use of the services: start, fetch the CA certificate and the CRL a few times
#: over a while, stop; its exit code says whether every request was answered.
_COMMAND = """
import sys, time, urllib.request
from docflow.config import Home
from docflow.workflow.services import RunningTrustServices
from pathlib import Path
home = Home(Path(sys.argv[1]))
services = RunningTrustServices(home, home.settings())
try:
    for _ in range(int(sys.argv[2])):
        base = services.endpoints.tsa_url.rsplit("/", 1)[0]
        for path in ("/certs/issuing-ca.crt", "/crl/issuing-ca.crl"):
            with urllib.request.urlopen(base + path, timeout=10) as answer:
                assert answer.status == 200 and answer.read()
        time.sleep(0.15)
finally:
    services.close()
"""


def test_concurrent_commands_share_the_services_without_racing(home: Home) -> None:
    make_test_pki(home)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _COMMAND, str(home.root), str(2 + 3 * (i % 3))],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "DOCFLOW_SERVICES_IDLE": "20"},
        )
        for i in range(8)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    failed = [e for p, e in zip(procs, errors, strict=True) if p.returncode != 0]
    assert failed == [], failed[0][-2000:]


class _NotAPki(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()
        self.wfile.write(b"nothing here")

    def log_message(self, *args: object) -> None:
        pass


def _port(home: Home) -> int:
    return TrustServices(home).port


def test_another_program_on_the_port_is_named(home: Home) -> None:
    make_test_pki(home)
    server = HTTPServer(("127.0.0.1", _port(home)), _NotAPki)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(PkiError, match=f"127.0.0.1:{_port(home)}.*HTTP 404"):
            TrustServices(home).start()
        done = subprocess.run(
            [sys.executable, "-m", "docflow", "--home", str(home.root), "watch", "--once"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "DOCFLOW_LANG": "kk"},
        )
        assert done.returncode != 0
        assert f"127.0.0.1:{_port(home)}" in done.stderr and "басқа бағдарлама" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_another_homes_services_on_the_port_are_named(home: Home, tmp_path: Path) -> None:
    make_test_pki(home)
    other = Home(tmp_path / "other").ensure()
    Pki(other.root, key_size=2048).init(port=_port(home))
    with TrustServices(other):
        with pytest.raises(PkiError, match="another PKI: issuing CA"):
            TrustServices(home).start()
    with TrustServices(home) as mine:  # once it is gone, this home serves its own
        assert mine.foreign() is None


def test_signatures_in_a_burst_share_one_liveness_ping(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ping keeps the shared process serving for SHARED_IDLE_SECONDS, so the signatures of
    the next few seconds do not ping again; after PING_EVERY the next one does."""
    make_test_pki(home)
    running = services_module.RunningTrustServices(home, home.settings())
    pings: list[bool] = []
    shared = running._shared
    assert shared is not None
    real_ping = shared.ping

    def counted_ping() -> bool:
        pings.append(real_ping())
        return pings[-1]

    monkeypatch.setattr(shared, "ping", counted_ping)
    for _ in range(5):
        assert running.endpoints.tsa_url
    assert pings == [True]
    monkeypatch.setattr(services_module, "PING_EVERY", 0.0)
    running._ping_due = 0.0  # as if PING_EVERY had passed
    running.endpoints  # noqa: B018
    running.endpoints  # noqa: B018
    assert pings == [True, True, True]
