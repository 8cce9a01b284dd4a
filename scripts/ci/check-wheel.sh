#!/usr/bin/env bash
# Install a built kubeward wheel the way users do and run the installed `kubeward`: a fresh
# virtual environment, `pip install` of the wheel (nothing else), then the command on testdata.
# With --pre-commit, also the `kubeward-python` hook through `pre-commit try-repo`, its pip
# taking the kubeward wheel from a folder (no index) instead of PyPI.
# Usage: scripts/ci/check-wheel.sh WHEEL_DIR [--pre-commit]   (run from anywhere)
set -euo pipefail
wheels=$(cd "${1:?usage: check-wheel.sh WHEEL_DIR [--pre-commit]}" && pwd)
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
shopt -s nullglob
found=("$wheels"/kubeward-"$version"-*.whl)
(( ${#found[@]} == 1 )) || { echo "expected one kubeward-$version wheel in $wheels, found ${#found[@]}" >&2; exit 1; }
wheel=${found[0]}
# Windows runners have `python`, not always `python3`.
python=$(command -v python3 || command -v python)
echo "wheel: $(basename "$wheel") ($(wc -c < "$wheel") bytes)"
# The binary, the license text and the metadata; nothing else of the repository.
"$python" - "$wheel" "$version" <<'PY'
import sys, zipfile
names = sorted(zipfile.ZipFile(sys.argv[1]).namelist())
stem = f"kubeward-{sys.argv[2]}"
meta = {f"{stem}.dist-info/{n}" for n in ("METADATA", "WHEEL", "RECORD", "licenses/LICENSE")}
exe = [n for n in names if n in (f"{stem}.data/scripts/kubeward", f"{stem}.data/scripts/kubeward.exe")]
assert len(exe) == 1, f"no kubeward binary in {names}"
# maturin adds the dependencies' CycloneDX SBOM (PEP 770).
sbom = [n for n in names if n == f"{stem}.dist-info/sboms/kubeward.cyclonedx.json"]
odd = sorted(set(names) ^ (meta | set(exe) | set(sbom)))
assert not odd, f"missing or unexpected in the wheel: {odd}"
print("contents:", ", ".join(names))
PY

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
bin="$work/venv/bin"
[[ -d $bin ]] || bin="$work/venv/Scripts"
start=$(date +%s%N)
"$bin/python" -m pip install --quiet --no-index "$wheel"
echo "pip install: $(( ($(date +%s%N) - start) / 1000000 )) ms"
kw="$bin/kubeward"
[[ -x $kw ]] || kw="$bin/kubeward.exe"
echo "binary: $(wc -c < "$kw") bytes"
# Stripped ([tool.maturin] strip, like [profile.release] for the archives): no symbol table.
if command -v readelf > /dev/null && readelf -h "$kw" > /dev/null 2>&1; then
  ! readelf -S "$kw" | grep -q '\.symtab' || { echo "the installed kubeward has a symbol table: not stripped" >&2; exit 1; }
fi

got=$("$kw" --version)
[[ $got == "kubeward $version" ]] || { echo "installed kubeward reports '$got', expected 'kubeward $version'" >&2; exit 1; }
echo "$got"

# The demo repository has findings at every severity: exit 1 and a JSON report.
rc=0
"$kw" lint testdata/demo --format json --no-progress > "$work/demo.json" 2> "$work/demo.err" || rc=$?
(( rc == 1 )) || { cat "$work/demo.err" >&2; echo "kubeward lint testdata/demo exited $rc, expected 1" >&2; exit 1; }
"$bin/python" - "$work/demo.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
summary = report["summary"]
assert summary["findings"] > 0 and summary["files_linted"] > 0, summary
print(f"testdata/demo: {summary['files_linted']} files linted, {summary['findings']} findings {summary['by_severity']}")
PY
# A file that is not a Kubernetes object: no finding, exit 0.
"$kw" lint testdata/cli/not-k8s.json --no-progress --quiet
"$kw" completions bash | bash -n
echo "installed kubeward OK"

if [[ ${2:-} == --pre-commit ]]; then
  "$bin/python" -m pip install --quiet pre-commit
  # The hook's environment installs from a folder only (no index): this wheel, and the build
  # backend of the root pyproject.toml, so it cannot take a kubeward from anywhere else.
  mkdir "$work/links"
  cp "$wheel" "$work/links/"
  "$bin/python" -m pip download --quiet --dest "$work/links" "setuptools>=61"
  mapfile -t files < <(git ls-files testdata/demo | grep -E '\.(ya?ml|json)$')
  rc=0
  start=$(date +%s%N)
  PIP_NO_INDEX=1 PIP_FIND_LINKS=$work/links PRE_COMMIT_HOME=$work/pre-commit \
    "$bin/pre-commit" try-repo . kubeward-python --verbose --files "${files[@]}" > "$work/hook.log" 2>&1 || rc=$?
  echo "pre-commit try-repo (hook install and run): $(( ($(date +%s%N) - start) / 1000000 )) ms"
  cat "$work/hook.log"
  # 1 with "exit code: 1": the hook installed the wheel, ran and reported the demo's findings.
  if (( rc == 1 )) && grep -q -- '- exit code: 1$' "$work/hook.log" && grep -q 'findings:' "$work/hook.log"; then
    echo "pre-commit hook kubeward-python OK"
  else
    echo "pre-commit hook kubeward-python failed to install or run (rc=$rc)" >&2
    exit 1
  fi
fi
