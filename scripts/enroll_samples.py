"""Enrol (demo keys) every consultant named in a folder of submissions: the demo's step 2.

A real chamber enrols its members once, with keys from the national CA; the demo has none.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from docflow.errors import SubmissionInvalid
from docflow.intake.parse import load_submission
from docflow.model import CpdReport


def main(home: str, folder: str) -> None:
    seen: set[str] = set()
    for path in sorted(Path(folder).iterdir()):
        try:
            loaded = load_submission(path, today=date(2026, 2, 10))
        except SubmissionInvalid:
            continue  # the invalid sample is meant to be rejected
        model = loaded.model
        if isinstance(model, CpdReport) and model.consultant.iin not in seen:
            seen.add(model.consultant.iin)
            subprocess.run(
                [sys.executable, "-m", "docflow", "--home", home, "pki", "enroll",
                 "--iin", model.consultant.iin, "--name", model.consultant.full_name,
                 "--role", "consultant"],
                check=True,
            )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
