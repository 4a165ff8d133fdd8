"""Certificate serial numbers: unguessable, yet the same for the same batch and participant.

A serial is ``KZC-`` + 16 base32 characters (80 bits) of an HMAC-SHA256 keyed with a secret
kept in ``certs/certificate-serial.key``. Deriving it from (batch SHA-256, participant index,
IIN) instead of drawing it at random makes issuing idempotent: the inbox may process the same
batch again after ``kill -9`` and must give every participant the serial it already has.
Without the secret nobody can compute or enumerate serials, so ``/v/<serial>`` cannot be
probed for other people's certificates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from docflow.atomic import fsync_dir
from docflow.config import Home

__all__ = ["SECRET_FILE", "SERIAL_PREFIX", "SERIAL_RE", "is_serial", "load_secret", "serial_for"]

SERIAL_PREFIX = "KZC-"
SERIAL_RE = re.compile(r"KZC-[A-Z2-7]{16}")
SECRET_FILE = "certificate-serial.key"
_SECRET_BYTES = 32


def is_serial(text: str) -> bool:
    return bool(SERIAL_RE.fullmatch(text))


def load_secret(home: Home) -> bytes:
    """The home's serial secret, created once (0600) on first use.

    Created with ``O_EXCL`` under a temporary name and linked into place, so two processes
    starting at once agree on one secret and a crash never leaves a short file behind.
    """
    path = home.certs / SECRET_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    home.certs.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_bytes(_SECRET_BYTES).hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)  # fails if another process won the race: then use theirs
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return _read(path)


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    secret = bytes.fromhex(text)
    if len(secret) < 16:
        raise ValueError(f"{path}: the certificate serial secret is too short")
    return secret


def serial_for(secret: bytes, batch_sha256: str, index: int, iin: str) -> str:
    """The serial of participant ``index`` (0-based) with ``iin`` in the batch ``batch_sha256``."""
    message = f"docflow-certificate-serial/v1\n{batch_sha256.lower()}\n{index}\n{iin}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return SERIAL_PREFIX + base64.b32encode(digest[:10]).decode("ascii")
