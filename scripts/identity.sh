#!/usr/bin/env bash
# Byte-identical output of two kubeward builds (a refactoring must not change what a user sees).
#
#   scripts/identity.sh BASE_BIN NEW_BIN [DIR...]
#
# Lints each DIR (by default testdata/, each repository of ../shared/corpus/real, each fixture
# folder of ../shared/corpus and the generated corpus $CORPUS, if set) with both binaries in
# the SARIF, JSON and human formats (human output is standard error), and compares standard
# output, standard error and the exit code of each pair. Both run from the repository's root
# with the same environment (a helm from target/tools, when scripts/test installed one, so that
# charts are rendered and traced). The one thing that may differ is the run's wall time in the
# summary line (`0.4 MB in 6ms`), written as `in TIME` in both before they are compared. Prints one line per comparison and exits 1 on a difference,
# leaving the two outputs in $OUT (default a temporary directory) for diffing.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BASE_BIN NEW_BIN [DIR...]" >&2; exit 2; }
base=$(realpath "$1") new=$(realpath "$2")
shift 2
if [ $# -gt 0 ]; then
  dirs=("$@")
else
  dirs=(testdata)
  for d in ../shared/corpus/real/*/ ../shared/corpus/{checkov,kube-linter,pss,vap}/; do
    [ -d "$d" ] && dirs+=("${d%/}")
  done
  [ -n "${CORPUS:-}" ] && dirs+=("$CORPUS")
fi
[ -x target/tools/helm ] && export PATH="$PWD/target/tools:$PATH"
out=${OUT:-$(mktemp -d)}
export NO_COLOR=1 CI=1 COLUMNS=100
unset GITHUB_STEP_SUMMARY KUBEWARD_TIMINGS
status=0 compared=0
for d in "${dirs[@]}"; do
  for format in sarif json human; do
    for side in base new; do
      bin=$base
      [ $side = new ] && bin=$new
      f="$out/$side/$(echo "$d" | tr '/.' '__').$format"
      mkdir -p "$out/$side"
      "$bin" lint "$d" --format "$format" --fail-on low --no-progress --color never \
        >"$f.out" 2>"$f.raw"
      echo $? >"$f.code"
      sed -E 's/ MB in [0-9.]+(ns|µs|ms|s)$/ MB in TIME/' "$f.raw" >"$f.err"
    done
    a="$out/base/$(echo "$d" | tr '/.' '__').$format" b="$out/new/$(echo "$d" | tr '/.' '__').$format"
    compared=$((compared + 1))
    if cmp -s "$a.out" "$b.out" && cmp -s "$a.err" "$b.err" && cmp -s "$a.code" "$b.code"; then
      echo "same      $format $d ($(wc -c <"$a.out") + $(wc -c <"$a.err") bytes, exit $(cat "$a.code"))"
    else
      echo "DIFFERENT $format $d (diff $a.* $b.*)"
      status=1
    fi
  done
done
echo "$compared comparisons, $([ $status = 0 ] && echo 'all identical' || echo 'some differ'); outputs in $out"
exit $status
