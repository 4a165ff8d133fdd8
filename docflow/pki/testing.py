"""Helpers for tests in any subsystem: a demo PKI in a temporary home, quickly.

::

    from docflow.pki.testing import make_test_pki, CONSULTANT_IIN

    def test_something(tmp_path):
        pki = make_test_pki(tmp_path / "home")          # officer + a consultant enrolled
        with TrustServices(tmp_path / "home") as services:
            signer = pki.signer_for(iin=CONSULTANT_IIN)
            ...

Each PKI gets a free loopback port (recorded in its certificates), so tests may run their own
services side by side. Keys are RSA 2048 to keep it fast (~0.5 s per PKI).
"""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path

from docflow.config import Home
from docflow.pki._pki import DEMO_OFFICER_IIN, Pki

#: A valid demo IIN for the consultant enrolled by ``make_test_pki`` (the contract's sample).
CONSULTANT_IIN = "900415400127"
CONSULTANT_NAME = "Сейітқали Әсел Нұрланқызы"
OFFICER_IIN = DEMO_OFFICER_IIN
#: A second valid IIN for tests that need another person (e.g. one to revoke).
OTHER_IIN = "750505400007"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_test_pki(
    home: Home | Path | str,
    *,
    consultant: bool = True,
    issuer: bool = False,
    now: datetime | None = None,
) -> Pki:
    """A fresh demo PKI under ``home/certs`` on a free port, with the officer enrolled and,
    by default, the consultant ``CONSULTANT_IIN``; ``issuer=True`` also enrols an issuer."""
    root = home.root if isinstance(home, Home) else Path(home)
    pki = Pki(root, key_size=2048)
    pki.init(port=free_port(), now=now)
    if consultant:
        pki.enroll(CONSULTANT_IIN, CONSULTANT_NAME, "consultant", now=now)
    if issuer:
        pki.enroll(OTHER_IIN, "Issuer DEMO", "issuer", now=now)
    return pki


__all__ = [
    "CONSULTANT_IIN",
    "CONSULTANT_NAME",
    "OFFICER_IIN",
    "OTHER_IIN",
    "free_port",
    "make_test_pki",
]
