"""Time to sign one report with both signatures (timestamps, revocation info, B-LTA) with
docflow in one process, against running pyHanko's own CLI once per signature on the same files.

Both talk to the same demo trust services, run as ``docflow pki serve`` in a separate process.
Prints a summary and writes bench/results/sign.json.

    python bench/bench_sign.py [--docs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from docflow.pki import TrustServices
from docflow.pki.testing import CONSULTANT_IIN, make_test_pki, pdf_with_fields
from docflow.sign import SignSpec, sign_pdf

BIN = Path(sys.executable).parent
RESULTS = Path(__file__).resolve().parent / "results" / "sign.json"


def _wait_for(host: str, port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"trust services did not start on {host}:{port}")


def _summary(times: list[float]) -> dict[str, float | list[float]]:
    return {
        "per_doc_s": [round(t, 4) for t in times],
        "first_s": round(times[0], 4),
        "median_s": round(statistics.median(times), 4),
        "mean_s": round(statistics.fmean(times), 4),
        "median_after_first_s": round(statistics.median(times[1:] or times), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="docflow-bench-") as tmp:
        home = Path(tmp) / "home"
        pki = make_test_pki(home)
        services = TrustServices(home)
        server = subprocess.Popen(
            [str(BIN / "docflow"), "--home", str(home), "pki", "serve"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for(services.host, services.port)
            unsigned = pdf_with_fields()
            work = Path(tmp) / "work"
            work.mkdir()

            # docflow: both signatures and the document timestamp, in-process
            ours: list[float] = []
            sizes = []
            for _ in range(args.docs):
                started = time.perf_counter()
                consultant = pki.signer_for(iin=CONSULTANT_IIN)
                officer = pki.signer_for(role="officer")
                first = sign_pdf(
                    unsigned, SignSpec("consultant"), signer=consultant, services=services.endpoints
                )
                done = sign_pdf(
                    first,
                    SignSpec("officer", lock=True, lta=True),
                    signer=officer,
                    services=services.endpoints,
                )
                ours.append(time.perf_counter() - started)
                sizes.append(len(done))
            (work / "docflow.pdf").write_bytes(done)

            # pyHanko CLI: one process per signature, same keys, TSA and revocation services
            src = work / "unsigned.pdf"
            src.write_bytes(unsigned)
            c = pki.find(iin=CONSULTANT_IIN)
            o = pki.find(role="officer")
            common = [
                str(BIN / "pyhanko"),
                "sign",
                "addsig",
                "--existing-only",
                "--timestamp-url",
                services.tsa_url,
                "--use-pades",
                "--with-validation-info",
                "--trust",
                str(pki.root_cert_path),
                "--trust-replace",
                "--other-certs",
                str(pki.issuing_cert_path),
            ]
            theirs: list[float] = []
            for i in range(args.docs):
                mid, out = work / f"cli-{i}-1.pdf", work / f"cli-{i}-2.pdf"
                started = time.perf_counter()
                for field, who, extra, inp, outp in (
                    ("consultant", c, [], src, mid),
                    ("officer", o, ["--use-pades-lta"], mid, out),
                ):
                    assert who.passphrase_path is not None
                    subprocess.run(
                        [
                            *common,
                            *extra,
                            "--field",
                            field,
                            "pkcs12",
                            "--passfile",
                            str(who.passphrase_path),
                            "--chain",
                            str(pki.issuing_cert_path),
                            str(inp),
                            str(outp),
                            str(who.p12_path),
                        ],
                        check=True,
                        capture_output=True,
                    )
                theirs.append(time.perf_counter() - started)
        finally:
            server.terminate()
            server.wait(timeout=10)

    result = {
        "benchmark": "sign: consultant + officer (lock) + timestamps + DSS + document timestamp",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "docs": args.docs,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
        "docflow": _summary(ours) | {"output_bytes": sizes[-1]},
        "pyhanko_cli": _summary(theirs),
        "ratio_cli_over_docflow_median": round(
            statistics.median(theirs) / statistics.median(ours), 2
        ),
        "notes": "pyHanko CLI uses its default (unembedded-font) stamp; docflow embeds a "
        "Noto Sans subset. Services run as a separate `docflow pki serve` process.",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"docflow    per document: median {result['docflow']['median_s']:.3f} s "
        f"(first {result['docflow']['first_s']:.3f} s)"
    )
    print(
        f"pyHanko CLI per document: median {result['pyhanko_cli']['median_s']:.3f} s "
        f"(first {result['pyhanko_cli']['first_s']:.3f} s)"
    )
    print(f"ratio (CLI / docflow): {result['ratio_cli_over_docflow_median']}x  -> {RESULTS}")


if __name__ == "__main__":
    main()
