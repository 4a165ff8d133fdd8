"""The demo's set-up, as a real chamber does it first: register the chambers, import their
member rosters, enrol each chamber's officer and chair (and an issuer), the Collegium's chair,
and then the consultants named in a folder of submissions.

    python scripts/enroll_samples.py HOME samples/inbox [samples/chambers]

Every step is a ``docflow`` command, printed before it runs (run in this process: the same
code as the command line, without starting Python thirty times). A real chamber enrols its
people with keys from the national CA; the demo issues demo keys.
"""

from __future__ import annotations

import json
import shlex
import sys
from datetime import date
from pathlib import Path

from docflow.cli import main as docflow_main
from docflow.errors import SubmissionInvalid
from docflow.intake.parse import load_submission
from docflow.model import CpdReport


def docflow(home: str, *args: str) -> None:
    print("$ docflow " + " ".join(shlex.quote(a) for a in args), flush=True)
    docflow_main(["--home", home, *args], standalone_mode=False)


def set_up_chambers(home: str, folder: Path) -> None:
    chambers = json.loads((folder / "chambers.json").read_text(encoding="utf-8"))
    for chamber_id, names in chambers.items():
        docflow(home, "chambers", "add", chamber_id, "--kk", names["kk"], "--ru", names["ru"],
                "--en", names["en"])  # fmt: skip
    for roster in sorted((folder / "rosters").glob("*.csv")):
        docflow(home, "roster", "import", str(roster), "--chamber", roster.stem)
    offices = json.loads((folder / "offices.json").read_text(encoding="utf-8"))["offices"]
    for office in offices:
        where = [] if office["chamber"] == "collegium" else ["--chamber", office["chamber"]]
        docflow(home, "pki", "enroll", "--iin", office["iin"], "--name", office["name"],
                "--role", office["role"], *where)  # fmt: skip


def enrol_consultants(home: str, inbox: Path) -> None:
    seen: set[str] = set()
    for path in sorted(inbox.iterdir()):
        try:
            loaded = load_submission(path, today=date(2026, 2, 10))
        except SubmissionInvalid:
            continue  # the invalid sample is meant to be rejected
        model = loaded.model
        if isinstance(model, CpdReport) and model.consultant.iin not in seen:
            seen.add(model.consultant.iin)
            # No --chamber: the consultant's chamber (and name) come from the rosters.
            docflow(home, "pki", "enroll", "--iin", model.consultant.iin,
                    "--name", model.consultant.full_name, "--role", "consultant")  # fmt: skip


def main(home: str, inbox: str, chambers: str | None = None) -> None:
    folder = (
        Path(chambers)
        if chambers
        else Path(__file__).resolve().parent.parent / "samples" / "chambers"
    )
    set_up_chambers(home, folder)
    enrol_consultants(home, Path(inbox))


if __name__ == "__main__":
    main(*sys.argv[1:4])
