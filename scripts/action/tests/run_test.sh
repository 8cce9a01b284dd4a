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
  unset KW_CATEGORY KW_UPLOAD_SARIF KW_BASELINE KW_NEW_FROM_BASE KW_BASE_SHA KW_ARGS
  unset GITHUB_SERVER_URL GITHUB_REPOSITORY GITHUB_REF
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
ok "argv" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on high --render auto --no-progress --sarif-category kubeward -- testdata/demo apps/one apps/two" ]]'
ok "exit-code=1" '[[ $(out exit-code) == 1 ]]'
ok "findings=2 (the suppressed result is not counted)" '[[ $(out findings) == 2 ]]'
ok "sarif-file" '[[ $(out sarif-file) == "$T/kubeward.sarif" ]]'
ok "annotation passed through to log" 'grep -q "^::error file=deploy.yaml" "$T/log"'

echo "# 2: annotations false, config, default paths, default fail-on, exit 0"
new_env
export KW_ANNOTATIONS=false KW_CONFIG=' .kubeward.toml ' FAKE_RC=0
bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "script exits 0" '[[ $rc == 0 ]]'
ok "argv" '[[ "$(argv)" == "lint --format human --sarif-file $T/kubeward.sarif --fail-on low --render auto --no-progress --sarif-category kubeward --config .kubeward.toml -- ." ]]'
ok "exit-code=0" '[[ $(out exit-code) == 0 ]]'

echo "# 3: no shell evaluation or globbing of inputs"
new_env
touch "$T/a.yaml" "$T/b.yaml"
export KW_PATHS="\$(touch $W/pwned) \`id\` ;rm *.yaml -x" KW_CONFIG='$(id)'
(cd "$T" && bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "no command substitution" '[[ ! -e $W/pwned ]]'
ok "paths literal, after --" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on low --render auto --no-progress --sarif-category kubeward --config \$(id) -- \$(touch $W/pwned) \`id\` ;rm *.yaml -x" ]]'
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
ok "render never passed on" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on low --render never --no-progress --sarif-category kubeward -- ." ]]'

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

echo "# 9: category, upload link, baseline and args reach kubeward"
new_env
export KW_CATEGORY=' kubeward-prod ' KW_UPLOAD_SARIF=true KW_BASELINE='.kubeward-baseline.json'
export GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=acme/infra GITHUB_REF=refs/pull/42/merge
export KW_ARGS=$'--exclude vendor/**\n --select  pod-security,rbac -q'
bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "script exits 0" '[[ $rc == 0 ]]'
ok "argv" '[[ "$(argv)" == "lint --format github --sarif-file $T/kubeward.sarif --fail-on low --render auto --no-progress --sarif-category kubeward-prod --sarif-link https://github.com/acme/infra/security/code-scanning?query=is%3Aopen+tool%3Akubeward+pr%3A42 --baseline .kubeward-baseline.json --exclude vendor/** --select pod-security,rbac -q -- ." ]]'
new_env
KW_UPLOAD_SARIF=false GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=acme/infra bash "$RUN" > "$T/log" 2>&1
ok "no link without upload" '[[ "$(argv)" != *--sarif-link* ]]'
new_env
KW_CATEGORY='two words' bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "invalid category: exit 2, kubeward not run" '[[ $rc == 2 && ! -e $FAKE_ARGV_LOG ]]'
new_env
KW_UPLOAD_SARIF=maybe bash "$RUN" > "$T/log" 2>&1; rc=$?
ok "invalid upload-sarif: exit 2 with ::error" '[[ $rc == 2 ]] && grep -q "^::error title=kubeward::invalid upload-sarif" "$T/log"'

echo "# 10: args is split, never evaluated; the action's own flags are refused"
new_env
touch "$T/a.yaml"
export KW_ARGS="--exclude \$(touch $W/pwned2) --exclude \`id\` --exclude *.yaml"
(cd "$T" && bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "no command substitution" '[[ ! -e $W/pwned2 && $rc == 0 ]]'
ok "words literal" '[[ "$(argv)" == *"--exclude \$(touch $W/pwned2) --exclude \`id\` --exclude *.yaml -- ." ]]'
for bad in "--format json" "--output=/etc/passwd" "-o /tmp/x" "-o/tmp/x" "-qo /tmp/x" "--sarif-file x" "--fail-on never" "--config x" "--new-from-rev HEAD~1" "--baseline=x" "-- /etc"; do
  new_env
  KW_ARGS=$bad bash "$RUN" > "$T/log" 2>&1; rc=$?
  ok "args '$bad' refused" '[[ $rc == 2 && ! -e $FAKE_ARGV_LOG ]] && grep -q "^::error title=kubeward::args: " "$T/log"'
done

echo "# 11: new-findings-only"
R=$W/repo; rm -rf "$R"; mkdir -p "$R"
git -C "$R" init -q && git -C "$R" -c user.email=t@t -c user.name=t commit -q --allow-empty -m base
BASE=$(git -C "$R" rev-parse HEAD)
git -C "$R" -c user.email=t@t -c user.name=t commit -q --allow-empty -m head
new_env
(cd "$R" && KW_NEW_FROM_BASE=true KW_BASE_SHA=$BASE bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "base present: --new-from-rev" '[[ $rc == 0 && "$(argv)" == *"--new-from-rev $BASE -- ." ]]'
new_env
(cd "$R" && KW_NEW_FROM_BASE=true KW_BASE_SHA= bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "no base (not a pull request): notice, every finding" '[[ $rc == 0 && "$(argv)" != *--new-from-rev* ]] && grep -q "^::notice title=kubeward::new-findings-only" "$T/log"'
new_env
(cd "$R" && KW_NEW_FROM_BASE=true KW_BASE_SHA=0123456789abcdef0123456789abcdef01234567 bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "base missing and not fetchable: exit 2, fetch-depth advice" '[[ $rc == 2 && ! -e $FAKE_ARGV_LOG ]] && grep -q "fetch-depth: 0" "$T/log"'
new_env
(cd "$R" && KW_NEW_FROM_BASE=true KW_BASE_SHA='HEAD; id' bash "$RUN" > "$T/log" 2>&1); rc=$?
ok "base not a sha: exit 2" '[[ $rc == 2 && ! -e $FAKE_ARGV_LOG ]]'
new_env
(cd "$R" && KW_NEW_FROM_BASE=false KW_BASE_SHA=$BASE bash "$RUN" > "$T/log" 2>&1)
ok "new-findings-only false: no --new-from-rev" '[[ "$(argv)" != *--new-from-rev* ]]'

echo "$pass passed, $fail failed"
((fail == 0))
