"""Helpers of the signing requests' store tests: a real CMS made with the demo consultant's
key (as NCALayer or ``sign-package`` would on the person's machine), and two answers raced."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from docflow.config import Home
from docflow.errors import RequestClosed
from docflow.pki import Pki
from docflow.pki.testing import CONSULTANT_IIN
from docflow.sign import PreparedSignature
from docflow.sign._cmsmake import detached_cms
from docflow.signreq import SignRequests, SubmitResult, home_services, home_trust


def consultant_cms(root: Path, prepared: PreparedSignature, *, second: int = 0) -> bytes:
    """A detached CMS over the prepared bytes with the demo consultant's key (``second``
    shifts the signing time: two different good answers)."""
    signer = Pki(root).signer_for(iin=CONSULTANT_IIN)
    moment = datetime.now(UTC).replace(microsecond=0)
    return detached_cms(signer.signer, prepared.signed_bytes(),
                        signing_time=moment.replace(second=second % 60))  # fmt: skip


def race(
    home: Home, stores: list[SignRequests], request_id: str, answers: list[bytes]
) -> tuple[list[SubmitResult], list[BaseException]]:
    """Submit ``answers[i]`` through ``stores[i]``, each in a thread of its own, released
    together; the results and the exceptions raised."""
    gate = threading.Barrier(len(stores))
    results: list[SubmitResult] = []
    errors: list[BaseException] = []
    trust = home_trust(home)

    def answer(store: SignRequests, cms: bytes) -> None:
        with home_services(home) as services:
            gate.wait(timeout=60)
            try:
                results.append(store.submit(request_id, cms, trust=trust, services=services))
            except RequestClosed as exc:
                errors.append(exc)
            except BaseException as exc:  # a failure of the test, reported by the caller
                errors.append(exc)

    threads = [
        threading.Thread(target=answer, args=(s, a)) for s, a in zip(stores, answers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results, errors
