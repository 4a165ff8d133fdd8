"""Verify time per document, against pyHanko's own CLI on the same files in the same run.

Documents: a report signed by consultant and officer with the demo PKI (B-LTA, made here with
pyHanko directly) and every file of the shared corpus. For each:

* ``verify_pdf`` in process (median of ``--repeat`` runs; what the archive audit and the web
  page pay),
* ``docflow verify --json`` as a command (one run; includes interpreter start-up),
* ``pyhanko sign validate`` as a command (one run; same trust root / time where they apply).

Writes ``bench/results/verify.json``. Run: ``python bench/bench_verify.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext

from docflow.config import Home
from docflow.pki import TrustServices
from docflow.pki.testing import CONSULTANT_IIN, OFFICER_IIN, make_test_pki
from docflow.verify import load_certificates, verify_pdf

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
RESULTS = ROOT / "bench" / "results" / "verify.json"
PYHANKO_AT = "2020-11-01T00:00:00+00:00"


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_signed_report(workdir: Path) -> tuple[Path, Path]:
    """A two-signature B-LTA report and the root certificate that anchors it."""
    home = Home(workdir / "home").ensure()
    pki = make_test_pki(home)
    w = IncrementalPdfFileWriter(io.BytesIO(_blank_pdf()))
    for i, name in enumerate(("consultant", "officer")):
        fields.append_signature_field(
            w, fields.SigFieldSpec(name, box=(72 + 220 * i, 72, 272 + 220 * i, 132))
        )
    buf = io.BytesIO()
    w.write(buf)
    pdf = buf.getvalue()
    with TrustServices(home) as services:
        vc = ValidationContext(
            trust_roots=pki.trust_roots(), other_certs=pki.chain(), allow_fetching=True
        )
        for field, iin, lta in (
            ("consultant", CONSULTANT_IIN, False),
            ("officer", OFFICER_IIN, True),
        ):
            meta = signers.PdfSignatureMetadata(
                field_name=field,
                subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=True,
                validation_context=vc,
                use_pades_lta=lta,
            )
            pdf = signers.sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf)),
                meta,
                signer=pki.signer_for(iin=iin).signer,
                timestamper=timestamps.HTTPTimeStamper(services.tsa_url),
            ).getvalue()
    path = workdir / "report-signed.pdf"
    path.write_bytes(pdf)
    return path, pki.root_cert_path


def _timed(args: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, timeout=300)
    return time.perf_counter() - start, done.returncode


def bench_one(
    name: str, path: Path, root: Path | None, at: str | None, repeat: int, pyhanko: str
) -> dict[str, Any]:
    data = path.read_bytes()
    anchors = load_certificates(root) if root else []
    moment = datetime.fromisoformat(at) if at else None
    runs = []
    report = None
    for _ in range(repeat):
        start = time.perf_counter()
        report = verify_pdf(data, trust_roots=anchors, at=moment, file_name=path.name)
        runs.append(time.perf_counter() - start)
    assert report is not None

    docflow_cmd = [sys.executable, "-c", "from docflow.cli import run; run()"]
    docflow_cmd += ["--home", str(path.parent), "verify", "--json", str(path)]
    ph_cmd = [pyhanko, "sign", "validate", "--no-strict-syntax", "--executive-summary"]
    if root:
        docflow_cmd += ["--trust-root", str(root)]
        ph_cmd += ["--trust", str(root), "--trust-replace"]
    if at:
        docflow_cmd += ["--at", at]
        ph_cmd += ["--validation-time", at]
    else:
        # pyHanko's plain validate checks revocation online; our report embeds it (LTA) and
        # the trust services are down, so let it use what the file carries.
        ph_cmd += ["--no-revocation-check"]
    ph_cmd.append(str(path))
    docflow_s, docflow_rc = _timed(docflow_cmd)
    pyhanko_s, pyhanko_rc = _timed(ph_cmd)
    inproc = statistics.median(runs)
    return {
        "file": name,
        "bytes": len(data),
        "signatures": len(report.signatures),
        "verdict": report.verdict,
        "verify_pdf_s": round(inproc, 4),
        "docflow_cli_s": round(docflow_s, 3),
        "docflow_cli_exit": docflow_rc,
        "pyhanko_cli_s": round(pyhanko_s, 3),
        "pyhanko_cli_exit": pyhanko_rc,
        "ratio_verify_pdf_to_pyhanko_cli": round(inproc / pyhanko_s, 3),
        "ratio_docflow_cli_to_pyhanko_cli": round(docflow_s / pyhanko_s, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    pyhanko = shutil.which("pyhanko") or str(Path(sys.executable).with_name("pyhanko"))
    if not Path(pyhanko).exists():
        print("pyhanko CLI not found: pip install pyhanko-cli", file=sys.stderr)
        return 2

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        report_path, report_root = make_signed_report(Path(tmp))
        # the trust services are stopped here: verification is offline
        rows.append(
            bench_one(
                "docflow/report-signed.pdf", report_path, report_root, None, args.repeat, pyhanko
            )
        )
        ph_root = CORPUS / "pyhanko" / "testing-ca-root.cert.pem"
        for path in sorted(CORPUS.glob("*/*.pdf")):
            name = str(path.relative_to(CORPUS))
            pyh = name.startswith("pyhanko/")
            rows.append(
                bench_one(
                    name,
                    path,
                    ph_root if pyh else None,
                    PYHANKO_AT if pyh else None,
                    args.repeat,
                    pyhanko,
                )
            )
            row = rows[-1]
            print(
                f"{name}: {row['verify_pdf_s']:.3f}s vs pyhanko {row['pyhanko_cli_s']:.3f}s",
                file=sys.stderr,
            )

    totals = {
        "documents": len(rows),
        "verify_pdf_median_s": round(statistics.median(r["verify_pdf_s"] for r in rows), 4),
        "docflow_cli_median_s": round(statistics.median(r["docflow_cli_s"] for r in rows), 3),
        "pyhanko_cli_median_s": round(statistics.median(r["pyhanko_cli_s"] for r in rows), 3),
        "verify_pdf_total_s": round(sum(r["verify_pdf_s"] for r in rows), 3),
        "pyhanko_cli_total_s": round(sum(r["pyhanko_cli_s"] for r in rows), 3),
    }
    result = {
        "bench": "verify",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "repeat": args.repeat,
        "note": "verify_pdf: in-process median; *_cli: one subprocess run each, start-up included",
        "summary": totals,
        "documents": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(totals, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
