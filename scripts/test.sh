#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, lint, type check, import contracts, every test
# (slow ones included).
#
#   scripts/test.sh            everything, as CI does (extra arguments go to pytest)
#   scripts/test.sh --fast     the developer's lane: ruff, mypy, lint-imports and the tests not
#                              marked slow (no LibreOffice, signing, browser or multi-process
#                              runs), on every core; under 2 minutes on an idle 2-core machine
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
if [ "${1:-}" = "--fast" ]; then
  fast=1
  shift
fi
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check docflow tests bench tools
echo "== mypy"; .venv/bin/mypy
echo "== lint-imports"; .venv/bin/lint-imports
if [ "$fast" = 1 ]; then
  echo "== pytest (fast lane: not slow, one worker per core)"
  .venv/bin/pytest -q -m "not slow" -n auto "$@"
else
  echo "== pytest"; .venv/bin/pytest "$@"
fi
