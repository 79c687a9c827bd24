#!/usr/bin/env bash
# Set up .venv with the test extras and run the whole suite (arguments go to pytest).
# Quick subset: bash scripts/test.sh -m "not slow"
. "$(dirname "$0")/_venv.sh" dev
echo "quick subset (no servers, no browser): bash scripts/test.sh -m \"not slow\""
set +e
# No -q: pytest's closing line ("N passed, N skipped in Ns") is what CI reads.
.venv/bin/python -m pytest "$@"
status=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, say so.
[ "$status" -eq 5 ] && echo "no tests were collected" >&2
exit "$status"
