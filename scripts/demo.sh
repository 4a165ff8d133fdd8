#!/usr/bin/env bash
# The main job end to end on the bundled sample inbox: a demo PKI with its timestamp and
# OCSP/CRL services, the chambers set up as a real chamber does first (chambers, rosters, each
# chamber's officer and chair, the Collegium's chair), every sample consultant enrolled, the
# inbox processed once, and the outcome printed. Everything happens in ./demo-home (made anew
# each run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DEMO=${DEMO_HOME:-demo-home}
rm -rf "$DEMO"
mkdir -p "$DEMO/inbox"
docflow() { .venv/bin/docflow --home "$DEMO" "$@"; }

echo "== 1. a demo PKI (root CA, issuing CA, TSA, OCSP/CRL)"
docflow pki init
echo "== 2. setting up the chambers: names, member rosters, offices; then the consultants"
# Each chamber: `docflow chambers add ID --kk … --ru …`, `docflow roster import FILE --chamber ID`,
# `docflow pki enroll --role officer|chair|issuer --chamber ID`; the Collegium's chair:
# `docflow pki enroll --role collegium_chair`; consultants take their chamber from the roster.
.venv/bin/python scripts/enroll_samples.py "$DEMO" samples/inbox samples/chambers
docflow chambers list
docflow pki offices
echo "== 3. dropping the samples into $DEMO/inbox and processing them"
cp samples/inbox/* "$DEMO/inbox/"
# The samples are 2025 reports; replay the filing season (25 February 2026: one sample is late).
docflow watch --once --today 2026-02-25
echo "== 4. what became of each submission"
docflow status
echo "== 5. waiting for the officer"
docflow review list
echo "== 6. the archive"
docflow archive search
echo "== 7. verifying one archived report"
first=$(find "$DEMO/outbox" -name '*.pdf' -path '*cpd-report*' | sort | head -n 1)
[ -n "$first" ] && docflow verify "$first" || true
echo
echo "Signed PDFs are in $DEMO/outbox/ (year/chamber/kind/ID.pdf beside ID.json);"
echo "rejected input with its explanation is in $DEMO/inbox/rejected/."
