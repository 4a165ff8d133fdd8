"""GOST 34.10-2015 verification time: docflow's arithmetic against gostcrypto (the reference)
in the same run, and a GOST-signed report verified end to end.

* one 512-bit verification of NCA RK's real OCSP answer (../shared/kz-pki), and one 256-bit
  verification of a test signature: ``docflow.gost`` (Jacobian coordinates, fixed-window base
  table, wNAF) vs gostcrypto (affine, an inverse per step); median of ``--repeat`` runs, with
  the result cache cleared before each run;
* Streebog-512 of 64 KiB, both implementations;
* a report signed with the GOST test PKI of tests/gost (signature, GOST TSA token, OCSP answers
  and CRLs in the DSS: 11 GOST signatures to check) judged by ``verify_pdf``: the first run
  (base-point tables built), then the median with an empty result cache.

Writes ``bench/results/gost.json``. Goals (issue 16): < 60 ms per 512-bit verification,
< 0.5 s per report. Run: ``.venv/bin/python bench/bench_gost.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.gost.gost_pki, before any other top-level "tests"

from asn1crypto import core, ocsp  # noqa: E402
from gostcrypto import gosthash  # noqa: E402
from gostcrypto.gostsignature import gost_34_10_2012 as ref  # noqa: E402

from docflow.gost import Streebog, curve, install, verify_gost  # noqa: E402
from docflow.gost import _validator as gost_validator  # noqa: E402

KZ_PKI = ROOT.parent / "shared" / "kz-pki"
RESULTS = ROOT / "bench" / "results" / "gost.json"
OCSP_FILE = KZ_PKI / "ncanode-head" / "ocsp" / "ocsp_response_individual_2015.bin"


def _median_ms(fn: Any, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        gost_validator._cache.clear()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), [round(t, 1) for t in times]


def bench_512(repeat: int) -> dict[str, Any]:
    basic = ocsp.OCSPResponse.load(OCSP_FILE.read_bytes())["response_bytes"]["response"].parsed
    cert = basic["certs"][0]
    tbs = basic["tbs_response_data"].dump()
    sig = basic["signature"].native
    alg = basic["signature_algorithm"]
    curve("id-tc26-gost-3410-12-512-paramSetA")._base_table  # noqa: B018 -- built once per process

    def fast() -> None:
        assert verify_gost(sig, tbs, cert.public_key, alg)

    octets = core.OctetString.load(bytes(cert.public_key["public_key"])).native
    key = bytearray(octets[:64][::-1] + octets[64:][::-1])
    rs = bytearray(sig[:64][::-1] + sig[64:][::-1])
    signer = ref.new(
        ref.MODE_512, ref.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"]
    )

    def reference() -> None:
        digest = bytearray(bytes(gosthash.new("streebog512", data=bytearray(tbs)).digest())[::-1])
        assert signer.verify(key, digest, rs)

    fast_ms, fast_runs = _median_ms(fast, repeat)
    ref_ms, ref_runs = _median_ms(reference, max(3, repeat // 2))
    return {
        "what": "NCA RK OCSP answer, GOST 34.10-2015 512 / Streebog-512 (signed bytes "
        f"{len(tbs)} B)",
        "docflow_ms": round(fast_ms, 1),
        "gostcrypto_ms": round(ref_ms, 1),
        "speedup": round(ref_ms / fast_ms, 1),
        "docflow_runs": fast_runs,
        "gostcrypto_runs": ref_runs,
    }


def bench_256(repeat: int) -> dict[str, Any]:
    name = "id-tc26-gost-3410-2012-256-paramSetA"
    ec = curve(name)
    ec._base_table  # noqa: B018
    d = ec.new_private_key()
    q = ec.public_key(d)
    e = int.from_bytes(os.urandom(32))
    r, s = ec.sign(d, e)
    signer = ref.new(ref.MODE_256, ref.CURVES_R_1323565_1_024_2019[name])
    key = bytearray(q[0].to_bytes(32, "big") + q[1].to_bytes(32, "big"))
    rs = bytearray(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    fast_ms, _ = _median_ms(lambda: ec.verify(q, e, r, s), repeat)
    ref_ms, _ = _median_ms(
        lambda: signer.verify(key, bytearray(e.to_bytes(32, "big")), rs), max(3, repeat // 2)
    )
    return {
        "what": "GOST 34.10-2015 256 (tc26 paramSetA), digest given",
        "docflow_ms": round(fast_ms, 2),
        "gostcrypto_ms": round(ref_ms, 1),
        "speedup": round(ref_ms / fast_ms, 1),
    }


def bench_streebog() -> dict[str, Any]:
    data = os.urandom(64 * 1024)
    start = time.perf_counter()
    ours = Streebog(64, data).digest()
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = bytes(gosthash.new("streebog512", data=bytearray(data)).digest())
    ref_s = time.perf_counter() - start
    assert ours == theirs
    return {
        "what": "Streebog-512 of 64 KiB",
        "docflow_ms": round(fast_s * 1000, 1),
        "gostcrypto_ms": round(ref_s * 1000, 1),
        "docflow_mb_per_s": round(len(data) / fast_s / 1e6, 3),
    }


def bench_report(repeat: int) -> dict[str, Any]:
    from docflow.verify import verify_pdf
    from tests.gost.gost_pki import GostPki
    from tests.verify.conftest import blank_pdf

    at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    pki = GostPki.build(at)
    start = time.perf_counter()
    pdf = pki.sign_pdf(blank_pdf("GOST report 2026"))
    sign_s = time.perf_counter() - start
    roots = [pki.root.cert]

    def run() -> None:
        report = verify_pdf(pdf, trust_roots=roots)
        assert report.verdict == "valid", report.reasons

    gost_validator._cache.clear()
    start = time.perf_counter()
    run()
    first_s = time.perf_counter() - start
    median_ms, runs = _median_ms(run, repeat)
    gost_checks = len(gost_validator._cache)
    return {
        "what": "GOST-signed report (signature + GOST TSA token + OCSP/CRL in the DSS)",
        "pdf_bytes": len(pdf),
        "sign_s": round(sign_s, 2),
        "verify_first_s": round(first_s, 3),
        "verify_median_s": round(median_ms / 1000, 3),
        "verify_runs_ms": runs,
        "distinct_gost_signatures_checked": gost_checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    install()
    result: dict[str, Any] = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "verify_512": bench_512(args.repeat),
        "verify_256": bench_256(args.repeat),
        "streebog": bench_streebog(),
        "report": bench_report(args.repeat),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    ok = result["verify_512"]["docflow_ms"] < 60 and result["report"]["verify_median_s"] < 0.5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
