"""Crash-safe file writes: a file is either absent, or complete with the intended bytes.

A write goes to a temporary file in the same folder (same file system, so the rename is
atomic), which is fsynced, renamed over the target, and then the folder is fsynced so the new
name itself survives a power cut. Temporary names start with a dot and end in ``.tmp``, so
watchers that skip dot-files and ``*.tmp`` never pick up a half-written file, and recovery can
recognise and remove leftovers with :func:`is_temp_name`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: Suffix of every temporary file this module creates.
TEMP_SUFFIX = ".tmp"


def temp_name_for(target: Path) -> Path:
    """A fresh, unpredictable temporary path beside ``target``."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    """Whether a file name looks like one of our temporary files (a leftover after a crash)."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a new, renamed or removed name) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(
    target: Path,
    data: bytes,
    *,
    overwrite: bool = True,
    mode: int = 0o644,
    sync_dir: bool = True,
) -> None:
    """Write ``data`` to ``target`` atomically and durably.

    With ``overwrite=False`` an existing target raises ``FileExistsError`` and is left alone
    (a hard link is used as the atomic "create if absent" instead of a rename). With
    ``sync_dir=False`` the caller promises to :func:`fsync_dir` the folder itself (one fsync for
    several files written into the same folder).
    """
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    temp = temp_name_for(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(temp, target)
        else:
            # link() fails if the target exists, unlike rename(), which would silently replace it.
            os.link(temp, target)
            os.unlink(temp)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    if sync_dir:
        fsync_dir(folder)


def write_text_atomic(
    target: Path, text: str, *, overwrite: bool = True, encoding: str = "utf-8"
) -> None:
    """:func:`write_bytes_atomic` for text (UTF-8 by default)."""
    write_bytes_atomic(target, text.encode(encoding), overwrite=overwrite)


def append_durable(target: Path, data: bytes) -> None:
    """Append ``data`` with one ``write`` call and fsync it (for append-only logs).

    One ``O_APPEND`` write is not split by a process crash; a torn tail after a power cut is
    for the log's reader to detect (a last line without its newline).
    """
    created = not target.exists()
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(target.parent)


__all__ = [
    "TEMP_SUFFIX",
    "append_durable",
    "fsync_dir",
    "is_temp_name",
    "temp_name_for",
    "write_bytes_atomic",
    "write_text_atomic",
]
