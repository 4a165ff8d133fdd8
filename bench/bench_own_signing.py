"""Own-key signing (issue 15) beside the held path, in the same run, per signature:

- held: ``sign_pdf`` with a key docflow holds (signature + timestamp + DSS; the officer's also
  the document timestamp, B-LTA);
- own: ``prepare`` (field, stamp, reserved /Contents) → the signer's CMS (made here with the
  same key, NCALayer's shape; not counted, it happens on the signer's machine) →
  ``check_cms`` (bytes, signature, chain, OCSP, key usage, IIN) → ``complete`` (signature
  timestamp, DSS, document timestamp: B-LTA).

Both sign the consultant's then the officer's field of the same test PDF, against the same
demo trust services (in-process, loopback). Prints ms per step and writes
bench/results/own_signing.json.

    python bench/bench_own_signing.py [--docs 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from docflow.pki import TrustServices
from docflow.pki.testing import CONSULTANT_IIN, CONSULTANT_NAME, make_test_pki, pdf_with_fields
from docflow.sign import (
    SignSpec,
    TrustAnchors,
    check_cms,
    complete,
    detached_cms,
    prepare,
    sign_pdf,
)

RESULTS = Path(__file__).resolve().parent / "results" / "own_signing.json"


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
        "min_ms": round(min(values) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=5)
    args = parser.parse_args()
    steps: dict[str, list[float]] = {
        k: []
        for k in (
            "held_consultant",
            "held_officer_lta",
            "own_prepare",
            "own_check",
            "own_complete",
            "own_consultant_total",
            "own_officer_total",
        )
    }
    with tempfile.TemporaryDirectory(prefix="docflow-bench-own-") as tmp:
        home = Path(tmp) / "home"
        pki = make_test_pki(home)
        consultant = pki.signer_for(iin=CONSULTANT_IIN)
        officer = pki.signer_for(role="officer")
        with TrustServices(home) as services:
            endpoints = services.endpoints
            trust = TrustAnchors.from_services(endpoints)
            # one warm-up of each path (TSA dummy response, fonts, imports)
            sign_pdf(pdf_with_fields(), SignSpec("consultant"), signer=consultant,
                     services=endpoints)  # fmt: skip
            for i in range(args.docs + 1):
                pdf = pdf_with_fields(text=f"bench own signing {i}")
                # held path
                t = time.perf_counter()
                first = sign_pdf(pdf, SignSpec("consultant", role="consultant"),
                                 signer=consultant, services=endpoints)  # fmt: skip
                t1 = time.perf_counter()
                sign_pdf(first, SignSpec("officer", role="officer", lock=True, lta=True),
                         signer=officer, services=endpoints)  # fmt: skip
                t2 = time.perf_counter()
                # own path, same two signatures
                current = pdf
                for field, who, iin, name in (
                    ("consultant", consultant, CONSULTANT_IIN, CONSULTANT_NAME),
                    ("officer", officer, officer.iin, officer.name),
                ):
                    spec = SignSpec(field, role=field, lock=field == "officer")
                    a = time.perf_counter()
                    prepared = prepare(current, spec, signer_name=name)
                    b = time.perf_counter()
                    moment = datetime.now(UTC).replace(microsecond=0)
                    cms_der = detached_cms(who.signer, prepared.signed_bytes(), signing_time=moment)
                    c = time.perf_counter()
                    status = check_cms(cms_der, prepared, expected_iin=str(iin), trust=trust)
                    assert status.accepted, status.refusals
                    d = time.perf_counter()
                    current = complete(prepared, status.cms_der, services=endpoints)
                    e = time.perf_counter()
                    if i == 0:
                        continue  # warm-up document
                    steps["own_prepare"].append(b - a)
                    steps["own_check"].append(d - c)
                    steps["own_complete"].append(e - d)
                    steps[f"own_{field}_total"].append((b - a) + (e - c))
                if i > 0:
                    steps["held_consultant"].append(t1 - t)
                    steps["held_officer_lta"].append(t2 - t1)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "docs": args.docs,
        "signatures_per_path": 2 * args.docs,
        "note": "held_*: one sign_pdf (consultant: B-LT; officer: locks + B-LTA); "
        "own_*_total: prepare + check + complete for that signature (each own signature ends "
        "B-LTA: signature timestamp, DSS, document timestamp); the CMS itself is made on the "
        "signer's side and not counted",
        "steps": {k: _ms(v) for k, v in steps.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, summary in result["steps"].items():  # type: ignore[union-attr]
        print(f"{name:21} median {summary['median_ms']:8.1f} ms  mean {summary['mean_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
