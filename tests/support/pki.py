"""One demo PKI per test session, copied into each suite's home.

Making a PKI costs key generation (~0.5 s with 2048-bit keys); a copy of its ``certs/`` costs a
few milliseconds and carries the same keys, certificates and recorded service port. A suite
that revokes or re-enrols people changes only its own copy. Two copies share the loopback port:
``TrustServices(home)`` reuses services already answering there, which answer for the same keys;
a test that needs answers about people only its copy enrolled keeps its services to itself
(or makes its own PKI with ``make_test_pki``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from docflow.config import Home
from docflow.pki import Pki
from docflow.pki.testing import make_test_pki


@dataclass(frozen=True)
class DemoPki:
    """The session's demo PKI: the officer, the consultant ``CONSULTANT_IIN`` and an issuer
    (``OTHER_IIN``) enrolled."""

    home: Home
    pki: Pki

    @classmethod
    def make(cls, root: Path) -> DemoPki:
        home = Home(root).ensure()
        return cls(home, make_test_pki(home, issuer=True))

    def copy_to(self, root: Path) -> tuple[Home, Pki]:
        """A new home at ``root`` holding a copy of this PKI (its own files from now on)."""
        home = Home(root).ensure()
        shutil.copytree(self.home.certs, home.certs, dirs_exist_ok=True)
        return home, Pki(home.root)
