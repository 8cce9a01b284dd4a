#!/usr/bin/env bash
# Assertions are eval-ed single-quoted strings, hence SC2016/SC2034.
# shellcheck disable=SC2016,SC2034
# Tests for scripts/action/run.sh and gate.sh with the fake kubeward.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$HERE/../run.sh
GATE=$HERE/../gate.sh
pass=0 fail=0
ok() { if eval "$2"; then pass=$((pass+1)); echo "ok   - $1"; else fail=$((fail+1)); echo "FAIL - $1  [$2]"; fi; }
new_env() {
  T=$(mktemp -d "$W/t.XXXXXX"); export RUNNER_TEMP=$T GITHUB_OUTPUT=$T/out FAKE_ARGV_LOG=$T/argv
  : > "$GITHUB_OUTPUT"
  unset KW_PATHS KW_CONFIG KW_FAIL_ON KW_ANNOTATIONS KW_RENDER FAKE_RC FAKE_NO_SARIF KW_SARIF_FILE
}
out() { grep "^$1=" "$GITHUB_OUTPUT" | tail -n1 | cut -d= -f2-; }
argv() { paste -sd' ' "$FAKE_ARGV_LOG"; }
W=$(mktemp -d "${TMPDIR:-/tmp}/kw-run-test.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/bin"
cp "$HERE/fake-kubeward" "$W/bin/kubeward"
chmod +x "$W/bin/kubeward"
export PATH=$W/bin:$PATH

echo "# 1: defaults-ish, findings, multi-line paths, exit 1 recorded not propagated"
new_env
export KW_PATHS=$'testdata/demo\n  apps/one\tapps/two  \n' KW_FAIL_ON=high KW_ANNOTATIONS=true
bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "script exits 0" '[[ $rc == 0 ]]'
ok "argv" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on high --render auto --no-progress -- testdata/demo apps/one apps/two" ]]'
ok "exit-code=1" '[[ $(out exit-code) == 1 ]]'
ok "findings=2 (the suppressed result is not counted)" '[[ $(out findings) == 2 ]]'
ok "sarif-file" '[[ $(out sarif-file) == "$T/kubeward.sarif" ]]'
ok "annotation passed through to log" 'grep -q "^::error file=deploy.yaml" "$T/log"'

echo "# 2: annotations false, config, default paths, default fail-on, exit 0"
new_env
export KW_ANNOTATIONS=false KW_CONFIG=' .kubeward.toml ' FAKE_RC=0
bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "script exits 0" '[[ $rc == 0 ]]'
ok "argv" '[[ "$(argv)" == "lint --format human --sarif-file $T/kubeward.sarif --fail-on low --render auto --no-progress --config .kubeward.toml -- ." ]]'
ok "exit-code=0" '[[ $(out exit-code) == 0 ]]'

echo "# 3: no shell evaluation or globbing of inputs"
new_env
touch "$T/a.yaml" "$T/b.yaml"
export KW_PATHS="\$(touch $W/pwned) \`id\` ;rm *.yaml -x" KW_CONFIG='$(id)'
(cd "$T" && bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "no command substitution" '[[ ! -e $W/pwned ]]'
ok "paths literal, after --" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on low --render auto --no-progress --config \$(id) -- \$(touch $W/pwned) \`id\` ;rm *.yaml -x" ]]'
ok "files untouched" '[[ -e $T/a.yaml && -e $T/b.yaml ]]'

echo "# 4: invalid inputs fail the step with exit-code 2"
new_env
KW_FAIL_ON='--output=/etc/passwd' bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "invalid fail-on: exit 2" '[[ $rc == 2 && $(out exit-code) == 2 ]]'
ok "kubeward not run" '[[ ! -e $FAKE_ARGV_LOG ]]'
ok "::error emitted" 'grep -q "^::error title=kubeward::invalid fail-on" "$T/log"'
new_env
KW_ANNOTATIONS=yes bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "invalid annotations: exit 2" '[[ $rc == 2 && $(out exit-code) == 2 ]]'
new_env
KW_FAIL_ON=$'low\n::warning::injected' bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "newline in input is escaped in ::error" '[[ $rc == 2 ]] && ! grep -q "^::warning::injected" "$T/log" && grep -q "%0A::warning::injected" "$T/log"'

new_env
KW_RENDER='--output=/etc/passwd' bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "invalid render: exit 2, kubeward not run" '[[ $rc == 2 && $(out exit-code) == 2 && ! -e $FAKE_ARGV_LOG ]]'
new_env
KW_RENDER=' never ' bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "render never passed on" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on low --render never --no-progress -- ." ]]'

echo "# 5: exit 0 without SARIF becomes exit-code 2; exit 2 without SARIF kept"
new_env
FAKE_RC=0 FAKE_NO_SARIF=1 bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "step exits 0" '[[ $rc == 0 ]]'
ok "exit-code=2, sarif-file empty, findings empty" '[[ $(out exit-code) == 2 && -z $(out sarif-file) && -z $(out findings) ]]'
new_env
FAKE_RC=2 FAKE_NO_SARIF=1 bash "$RUN" > "$T/log" 2>&1
ok "usage error from kubeward recorded" '[[ $(out exit-code) == 2 && -z $(out sarif-file) ]]'

echo "# 6: stale SARIF from a previous run is removed"
new_env
echo '{"runs":[{"results":[{},{},{}]}]}' > "$T/kubeward.sarif"
FAKE_RC=2 FAKE_NO_SARIF=1 bash "$RUN" > "$T/log" 2>&1
ok "stale file not reported" '[[ -z $(out sarif-file) && ! -e $T/kubeward.sarif ]]'

echo "# 7: counting fallbacks (python3 -> jq -> grep)"
MIN=$W/minbin; rm -rf "$MIN"; mkdir -p "$MIN"
for c in bash env rm grep wc tr cat mktemp sed; do ln -sf "$(command -v $c)" "$MIN/$c"; done
ln -sf "$W/bin/kubeward" "$MIN/kubeward"
new_env
PATH=$MIN bash "$RUN" > "$T/log" 2>&1
ok "grep fallback (no python, no jq): findings=2" '[[ $(out findings) == 2 ]]'
ln -sf "$(command -v jq)" "$MIN/jq"
new_env
PATH=$MIN bash "$RUN" > "$T/log" 2>&1
ok "jq fallback: findings=2" '[[ $(out findings) == 2 ]]'
rm -f "$MIN/jq"; ln -sf /bin/false "$MIN/python3"; ln -sf "$(command -v python3)" "$MIN/python"
new_env
PATH=$MIN bash "$RUN" > "$T/log" 2>&1
ok "broken python3, working python: findings=2" '[[ $(out findings) == 2 ]]'

echo "# 8: gate.sh"
for c in 0 1 2 101; do
  KW_EXIT_CODE=$c KW_FINDINGS=3 bash "$GATE" > "$W/gate.log" 2>&1; rc=$?
  ok "gate exit $c" '[[ $rc == '"$c"' ]]'
done
KW_EXIT_CODE='' bash "$GATE" > "$W/gate.log" 2>&1; rc=$?
ok "gate without exit code fails 2" '[[ $rc == 2 ]]'
KW_EXIT_CODE='1; id' bash "$GATE" > "$W/gate.log" 2>&1; rc=$?
ok "gate rejects non-numeric" '[[ $rc == 2 ]]'

echo "$pass passed, $fail failed"
((fail == 0))
