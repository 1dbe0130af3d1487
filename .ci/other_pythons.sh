#!/usr/bin/env bash
# The suite on every other Python that requires-python allows, and on the lowest declared
# versions of the runtime dependencies; each in a virtual environment of its own (.venv-*).
# An interpreter that is not installed is skipped here, and is an error where
# REQUIRE_ALL_PYTHONS=1 (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
versions=(3.12 3.13)

find_python() {
  local v=$1 found
  for found in "python$v" "$HOME"/.pyenv/versions/"$v".*/bin/"python$v"; do
    if command -v "$found" >/dev/null 2>&1 && "$found" -c '' >/dev/null 2>&1; then
      echo "$found"
      return 0
    fi
  done
  return 1
}

suite() {  # suite NAME PYTHON MARKERS [pip install arguments...]
  local name=$1 python=$2 markers=$3 venv=".venv-$1"
  shift 3
  if [ ! -f "$venv/.installed" ] || [ pyproject.toml -nt "$venv/.installed" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q "$@" -e '.[dev]'
    touch "$venv/.installed"
  fi
  echo "== the suite on $name ($("$venv/bin/python" --version))${markers:+ ($markers)}"
  # a test that hangs prints every thread's stack after 5 minutes; the run ends after 15
  timeout 900 "$venv/bin/pytest" -q -p no:cacheprovider -o faulthandler_timeout=300 \
    ${markers:+-m "$markers"}
}

for v in "${versions[@]}"; do
  if python=$(find_python "$v"); then
    # The tests marked slow (bot processes killed and restarted, replicas on Redis, the
    # browser: a minute and a half) test our processes and the libraries, which the run on
    # the lowest dependencies covers; here every other test checks the interpreter.
    suite "$v" "$python" "not slow"
  elif [ "${REQUIRE_ALL_PYTHONS:-}" = 1 ]; then
    echo "Python $v is not installed, and REQUIRE_ALL_PYTHONS=1" >&2
    exit 1
  else
    echo "== Python $v is not installed: its suite is skipped"
  fi
done
python3 .ci/lowest_constraints.py > .venv-lowest.txt
suite lowest python3 "" --constraint .venv-lowest.txt
