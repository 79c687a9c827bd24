# Sourced by the scripts: make .venv (if missing) and install the project into it.
# Usage: . scripts/_venv.sh [extras]   e.g. ". scripts/_venv.sh dev"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=1
SPEC="."
[ -n "${1:-}" ] && SPEC=".[$1]"
echo "installing driftlab ($SPEC) into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$SPEC"
