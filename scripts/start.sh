#!/usr/bin/env bash
# Set up .venv and start the lab on its embedded defaults (arguments go to `driftlab start`).
. "$(dirname "$0")/_venv.sh"
exec .venv/bin/driftlab start "$@"
