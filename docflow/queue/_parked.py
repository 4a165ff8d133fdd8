"""Parked work folders (issue 18): a document that waits for a person moves between machines.

A document whose outcome is ``review`` (the officer decides, R-4.6) or ``awaiting_signature``
(a person signs with their own key, issue 15) waits with its work folder
(``.docflow/work/<token>/``: the input, ``verdict.json``, ``review.json``, the rendered and
prepared PDFs, ``request-ROLE.json``, the saved decision ...). Under ``[queue] backend =
"postgres"`` the worker that made it stores the whole folder as a tar in the shared database
(``journal_parked``, in the same transaction as the row's waiting state:
``SqlJournal.park``), then removes its own copy. Any node that needs the folder restores it
into its own work root when it has none or an older one (``ParkedWork.ensure``): the worker
host running the resumed job, the watch node checking whether a signature arrived, the node
where the officer reviews. The copy is dropped with the row's final state
(``SqlJournal.finish``).

A restore trusts nothing in the tar: its SHA-256 must be the stored one, and every member
must be a regular file or a folder whose name stays inside the work folder (no absolute
path, no ``..``, no link, device or FIFO); one bad member refuses the whole copy before
anything is written. Extraction goes through ``tarfile``'s ``data`` filter as a second guard,
into a private folder beside the work root that replaces the old copy by renames.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import os
import re
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from docflow.atomic import write_bytes_atomic
from docflow.errors import UnsafeParkedFolder
from docflow.inbox.journal import ParkedCopy, SqlJournal, State

log = logging.getLogger("docflow.queue")

#: What ``docflow.inbox.runner.new_token`` makes: checked before a token names anything on
#: this machine's disk.
_TOKEN = re.compile(r"S\d{14}-[0-9a-f]{8}")
#: The version of the parked copy a node's folder was restored from or parked as.
MARK = ".parked-version"
#: What one restore may write at most (the sum of its files' sizes): a review's folder is a
#: few megabytes; a certificate batch's a few hundred.
MAX_BYTES = 2 << 30


def check_token(token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise ValueError(f"not a submission token: {token!r}")
    return token


def pack(workdir: Path) -> bytes:
    """The work folder as an uncompressed tar (its PDFs are compressed already): folders and
    regular files only, names relative to the folder; links and the like are never parked."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for top, dirs, files in os.walk(workdir, followlinks=False):
            dirs.sort()
            base = Path(top)
            for name in [*sorted(dirs), *sorted(files)]:
                path = base / name
                relative = path.relative_to(workdir).as_posix()
                if relative == MARK:
                    continue
                mode = path.lstat().st_mode
                if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                    tar.add(path, arcname=relative, recursive=False, filter=_anonymous)
    return buffer.getvalue()


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if not (info.isfile() or info.isdir()):  # replaced by a link since it was listed
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def checked_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Every member of a parked copy, or ``UnsafeParkedFolder`` naming the first that is not
    a regular file or folder inside the work folder (nothing is written before this)."""
    members = tar.getmembers()
    total = 0
    for member in members:
        name = member.name
        parts = PurePosixPath(name).parts
        if not (member.isfile() or member.isdir()):
            raise UnsafeParkedFolder(f"parked member {name!r} is not a regular file")
        if (
            not name
            or name.startswith(("/", "\\"))
            or "\\" in name
            or "\x00" in name
            or not parts
            or any(part in ("..", "") for part in parts)
            or PurePosixPath(name).is_absolute()
        ):
            raise UnsafeParkedFolder(f"parked member {name!r} leaves the work folder")
        if parts[0] == MARK:
            raise UnsafeParkedFolder(f"parked member {name!r} is reserved")
        total += member.size if member.isfile() else 0
        if total > MAX_BYTES:
            raise UnsafeParkedFolder("parked copy larger than a work folder can be")
    return members


def local_version(workdir: Path) -> int:
    """The parked version this node's copy carries: 0 for a folder never parked or restored
    (a run killed here before it waited), -1 when there is no folder."""
    try:
        return int((workdir / MARK).read_text(encoding="ascii").strip() or 0)
    except FileNotFoundError:
        return 0 if workdir.is_dir() else -1
    except (OSError, ValueError):
        return 0


def restore(copy: ParkedCopy, work_root: Path) -> Path:
    """Write ``copy`` as ``work_root/<token>/`` (replacing an older copy); returns the folder.
    ``UnsafeParkedFolder`` when the copy is damaged or unsafe: nothing is written then."""
    token = check_token(copy.token)
    if hashlib.sha256(copy.data).hexdigest() != copy.sha256:
        raise UnsafeParkedFolder(f"parked copy of {token} does not match its SHA-256")
    target = work_root / token
    with _restoring(work_root) as staging:
        if local_version(target) >= copy.version:  # another process restored it meanwhile
            return target
        fresh = Path(tempfile.mkdtemp(prefix=f"{token}-", dir=staging))
        try:
            with tarfile.open(fileobj=io.BytesIO(copy.data), mode="r:") as tar:
                members = checked_members(tar)
                tar.extractall(fresh, members=members, filter="data")
            write_bytes_atomic(fresh / MARK, str(copy.version).encode("ascii"))
            work_root.mkdir(parents=True, exist_ok=True)
            old = None
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f"{token}-old-", dir=staging))
                os.rename(target, old / "folder")
            os.rename(fresh, target)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    log.info("%s: parked work folder (version %d) restored", token, copy.version)
    return target


@contextmanager
def _restoring(work_root: Path) -> Iterator[Path]:
    """``.docflow/restore/`` (beside the work root, on its file system) under a lock every
    process of this home takes to restore (the web server's threads, the CLI, ``watch``)."""
    staging = work_root.parent / "restore"
    staging.mkdir(parents=True, exist_ok=True)
    with open(staging / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            for debris in staging.iterdir():  # of a restore killed here: none runs now
                if debris.name != ".lock":
                    shutil.rmtree(debris, ignore_errors=True)
            yield staging
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class ParkedWork:
    """The parked copies of one shared journal, as seen from one node's work root."""

    def __init__(self, journal: SqlJournal, work_root: Path) -> None:
        self.journal = journal
        self.work_root = work_root

    def ensure(self, token: str, version: int | None = None) -> Path:
        """The document's work folder on this node, restored first when the database holds
        a newer copy than this node's (or this node has none). ``version``: the parked
        version when the caller already read it (``SqlJournal.parked_versions``)."""
        workdir = self.work_root / token
        if version is None:
            version = self.journal.parked_versions([token]).get(token)
        if version is None or local_version(workdir) >= version:
            return workdir
        copy = self.journal.parked(token)
        if copy is None:  # dropped meanwhile: the document ended
            return workdir
        return restore(copy, self.work_root)

    def ensure_many(self, tokens: list[str]) -> None:
        """``ensure`` each of ``tokens`` (one query for their versions); an unsafe copy is
        logged and left out, never the others."""
        versions = self.journal.parked_versions(tokens)
        for token in tokens:
            if token in versions:
                try:
                    self.ensure(token, versions[token])
                except UnsafeParkedFolder as exc:
                    log.error("%s: %s", token, exc)

    def park(
        self, token: str, workdir: Path, *, state: State, reason: str | None,
        expect: State | None = None,
    ) -> int | None:  # fmt: skip
        """Store ``workdir`` as the newest parked copy of ``token`` with the row's ``state``
        (one transaction, ``SqlJournal.park``); None when ``expect`` did not hold."""
        version = self.journal.park(token, pack(workdir), state=state, reason=reason,
                                    expect=expect)  # fmt: skip
        if version is not None:
            write_bytes_atomic(workdir / MARK, str(version).encode("ascii"))
        return version
