"""Serials: unguessable (keyed by the home's secret), stable for a batch and participant (a
re-run after a crash gives the same serial), distinct otherwise."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from docflow.certificates import is_serial, load_secret, serial_for
from docflow.certificates._serial import SECRET_FILE
from docflow.config import Home

BATCH = "ab" * 32


def test_serial_is_stable_for_the_same_batch_index_and_iin(home: Home) -> None:
    secret = load_secret(home)
    assert load_secret(home) == secret  # kept, not regenerated
    one = serial_for(secret, BATCH, 0, "900415400127")
    assert one == serial_for(secret, BATCH.upper(), 0, "900415400127")
    assert is_serial(one) and len(one) == 20 and one.startswith("KZC-")


def test_serial_differs_by_index_batch_iin_and_secret(home: Home, tmp_path: Path) -> None:
    secret = load_secret(home)
    other_home = Home(tmp_path / "other").ensure()
    serials = {
        serial_for(secret, BATCH, 0, "900415400127"),
        serial_for(secret, BATCH, 1, "900415400127"),
        serial_for(secret, "cd" * 32, 0, "900415400127"),
        serial_for(secret, BATCH, 0, "750505400007"),
        serial_for(load_secret(other_home), BATCH, 0, "900415400127"),
    }
    assert len(serials) == 5
    many = {serial_for(secret, BATCH, i, "900415400127") for i in range(5000)}
    assert len(many) == 5000


def test_secret_is_private_and_one_under_concurrent_first_use(home: Home) -> None:
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(load_secret(home))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results[0]) == 32
    path = home.certs / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in home.certs.iterdir() if p.name.endswith(".tmp")]


def test_is_serial_refuses_lookalikes() -> None:
    assert not is_serial("KZC-ABCDEFGHIJKLMNO")  # 15 characters
    assert not is_serial("KZC-ABCDEFGHIJKLMNO1")  # 1 is not base32
    assert not is_serial("kzc-ABCDEFGHIJKLMNOP")
    assert not is_serial("../KZC-ABCDEFGHIJKLMNOP")
    assert is_serial("KZC-ABCDEFGHIJKLMNOP")
