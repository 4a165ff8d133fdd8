#!/usr/bin/env bash
# The whole test suite, as CI runs it: setup, lint, type check, import contracts, every test
# (slow ones included).
#
#   scripts/test.sh            everything, as CI does (extra arguments go to pytest)
#   scripts/test.sh --fast     the developer's lane: ruff, mypy, lint-imports and the tests not
#                              marked slow (no LibreOffice, signing or browser runs); < 2 minutes
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
  echo "== pytest (fast lane: not slow)"; .venv/bin/pytest -q -m "not slow" "$@"
else
  echo "== pytest"; .venv/bin/pytest "$@"
fi
