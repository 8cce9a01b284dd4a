#!/usr/bin/env bash
# Build the kubeward wheel with maturin from pypi/pyproject.toml (as the release workflow does),
# then install it in a fresh virtual environment and run it and the kubeward-python pre-commit
# hook (scripts/ci/check-wheel.sh). maturin and pre-commit come from PyPI into target/tools/.
# Usage: scripts/ci/wheel.sh [--release]
#   default: the dev profile, which reuses the test build (what .ci/run checks: the packaging);
#   --release: the release profile of the published wheels (minutes; for the wheel's size).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=target/tools/wheel
profile=dev
if [[ ${1:-} == --release ]]; then profile=release; fi
if [[ ! -x $tools/venv/bin/maturin ]]; then
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check maturin==1.16.0
fi
rm -rf "$tools/dist"
start=$(date +%s)
(cd pypi && "../$tools/venv/bin/maturin" build --quiet --profile "$profile" --out "../$tools/dist")
echo "maturin build --profile $profile: $(( $(date +%s) - start )) s"
scripts/ci/check-wheel.sh "$tools/dist" --pre-commit
