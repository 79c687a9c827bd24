#!/usr/bin/env bash
# Set up .venv with the test extras and run the whole suite (arguments go to pytest).
# Quick subset: bash scripts/test.sh -m "not slow"
. "$(dirname "$0")/_venv.sh" dev
set +e
.venv/bin/python -m pytest "$@"
status=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, say so.
[ "$status" -eq 5 ] && echo "no tests were collected" >&2
exit "$status"
