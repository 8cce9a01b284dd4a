#!/usr/bin/env bash
# Run kubeward once for the kubeward GitHub Action (action.yml, step "run").
#
#   kubeward lint --format github|human --sarif-file "$RUNNER_TEMP/kubeward.sarif" \
#     --fail-on "$KW_FAIL_ON" --render "$KW_RENDER" --no-progress \
#     --sarif-category "$KW_CATEGORY" [--sarif-link <code scanning page>] \
#     [--config "$KW_CONFIG"] [--baseline "$KW_BASELINE"] [--new-from-rev <base sha>] \
#     [<KW_ARGS words>] -- <paths>
#
# The exit code is recorded, not propagated: the step succeeds so that the
# SARIF upload runs first, and the action's last step ("gate") fails the job.
#
# Environment (inputs arrive only through `env:`):
#   KW_PATHS        whitespace/newline separated paths (default: .)
#   KW_CONFIG       config file (optional)
#   KW_FAIL_ON      critical|high|medium|low|never (default: low)
#   KW_ANNOTATIONS  true: --format github (annotations + job summary);
#                   false: --format human
#   KW_RENDER       auto|never: run helm/kustomize on the charts and overlays
#                   of the checkout (sandboxed, see SECURITY.md) or never
#                   (default: auto)
#   KW_CATEGORY     code scanning category (default: kubeward): the SARIF's
#                   automationDetails.id, as the upload step's category
#   KW_UPLOAD_SARIF true: the job summary links to the code scanning results
#   KW_BASELINE     baseline file (optional): its findings are not reported
#   KW_NEW_FROM_BASE true: report only findings that are not in the pull
#                   request's base (--new-from-rev KW_BASE_SHA); false (default)
#   KW_BASE_SHA     the base commit (the action passes the pull request's
#                   base sha); fetched if the checkout lacks it
#   KW_ARGS         more kubeward flags, split on whitespace like KW_PATHS (no
#                   quoting, no globbing, no shell); the flags the other inputs
#                   set are refused
#   KW_SARIF_FILE   SARIF path (default: $RUNNER_TEMP/kubeward.sarif)
#   KUBEWARD        kubeward executable (default: kubeward on PATH)
#   RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_SERVER_URL, GITHUB_REPOSITORY,
#   GITHUB_REF (set by the runner)
#
# Step outputs: sarif-file (empty if none was written), findings (number of
# unsuppressed results in the SARIF, all severities; results suppressed in
# source or by a baseline are not counted; empty if unknown), exit-code.
set -euo pipefail

gh_escape() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}
error() { printf '::error title=kubeward::%s\n' "$(gh_escape "$*")"; }

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  s=${s%"${s##*[![:space:]]}"}
  printf '%s' "$s"
}

set_output() {
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  else
    printf 'output %s=%s\n' "$1" "$2"
  fi
}

# Invalid action inputs: record exit code 2 and fail this step.
usage_error() {
  error "$*"
  set_output sarif-file ""
  set_output findings ""
  set_output exit-code 2
  exit 2
}

# Number of unsuppressed results in a SARIF file (a result with a non-empty
# `suppressions` array is suppressed), or nothing if it cannot be determined.
count_findings() {
  local f=$1 n="" py
  for py in python3 python; do
    command -v "$py" >/dev/null 2>&1 || continue
    n=$("$py" -c '
import json, sys
with open(sys.argv[1], encoding="utf-8-sig") as fh:
    doc = json.load(fh)
print(sum(1 for run in doc.get("runs") or [] for r in run.get("results") or []
          if not r.get("suppressions")))
' "$f" 2>/dev/null) || n=""
    [[ $n =~ ^[0-9]+$ ]] && break
    n=""
  done
  if [[ -z $n ]] && command -v jq >/dev/null 2>&1; then
    n=$(jq '[.runs[]?.results[]? | select((.suppressions // []) | length == 0)] | length' "$f" 2>/dev/null) || n=""
    [[ $n =~ ^[0-9]+$ ]] || n=""
  fi
  if [[ -z $n ]]; then
    # Approximation: every kubeward result carries a ruleId (rules use "id"),
    # and a suppressed one exactly one "suppressions" key.
    local results suppressed
    results=$(grep -o '"ruleId"[[:space:]]*:' "$f" 2>/dev/null | wc -l | tr -d '[:space:]') || results=""
    suppressed=$(grep -o '"suppressions"[[:space:]]*:' "$f" 2>/dev/null | wc -l | tr -d '[:space:]') || suppressed=""
    if [[ $results =~ ^[0-9]+$ && $suppressed =~ ^[0-9]+$ ]] && ((suppressed <= results)); then
      n=$((results - suppressed))
    else
      n=""
    fi
    [[ $n =~ ^[0-9]+$ ]] || n=""
  fi
  printf '%s' "$n"
}

# Set variable $1 to true or false from input value $2 (true|True|TRUE, false|False|FALSE or
# empty); anything else is a usage error naming input $3.
boolean() {
  case "$2" in
  true | True | TRUE) printf -v "$1" true ;;
  false | False | FALSE | '') printf -v "$1" false ;;
  *) usage_error "invalid $3 '$2' (expected true or false)" ;;
  esac
}

# The flags that the action's own inputs set, refused in `args`.
MANAGED_FLAGS=" --format --output -o --sarif-file --fail-on --render --no-progress --config --baseline --new-from-rev --sarif-category --sarif-link -- "

main() {
  local fail_on annotations format render config sarif kw rc findings
  local category upload baseline new_from_base base_sha word flag link
  local -a paths args extra

  fail_on=$(trim "${KW_FAIL_ON:-low}")
  [[ -n $fail_on ]] || fail_on=low
  case "$fail_on" in
  critical | high | medium | low | never) ;;
  *) usage_error "invalid fail-on '$fail_on' (expected critical, high, medium, low or never)" ;;
  esac

  annotations=$(trim "${KW_ANNOTATIONS:-true}")
  # (No ${var,,}: macOS ships bash 3.2.)
  case "$annotations" in
  true | True | TRUE | '') format=github ;;
  false | False | FALSE) format=human ;;
  *) usage_error "invalid annotations '$annotations' (expected true or false)" ;;
  esac

  render=$(trim "${KW_RENDER:-auto}")
  [[ -n $render ]] || render=auto
  case "$render" in
  auto | never) ;;
  *) usage_error "invalid render '$render' (expected auto or never)" ;;
  esac

  # Split on spaces, tabs and newlines; `read -a` does no glob expansion.
  read -r -d '' -a paths <<<"${KW_PATHS:-}" || true
  ((${#paths[@]})) || paths=(.)

  category=$(trim "${KW_CATEGORY:-kubeward}")
  [[ -n $category ]] || category=kubeward
  if [[ ${#category} -gt 200 || $category =~ [[:space:][:cntrl:]] ]]; then
    usage_error "invalid category '$category' (no spaces, at most 200 characters)"
  fi
  boolean upload "$(trim "${KW_UPLOAD_SARIF:-false}")" upload-sarif
  boolean new_from_base "$(trim "${KW_NEW_FROM_BASE:-false}")" new-findings-only
  baseline=$(trim "${KW_BASELINE:-}")

  # More flags: split on whitespace (no quoting, globbing or expansion), placed before `--`.
  read -r -d '' -a extra <<<"${KW_ARGS:-}" || true
  for word in ${extra[@]+"${extra[@]}"}; do
    flag=${word%%=*}
    case "$MANAGED_FLAGS" in
    *" $flag "*) usage_error "args: $flag is set by the action's inputs (paths, config, fail-on, render, annotations, category, baseline, new-findings-only); use those instead" ;;
    esac
    # -o in a cluster of short options (`-ofile`, `-qo file`) is refused as `-o` is.
    case "$word" in
    --*) ;;
    -*o*) usage_error "args: -o is set by the action; remove '$word'" ;;
    esac
  done

  base_sha=""
  if [[ $new_from_base == true ]]; then
    base_sha=$(trim "${KW_BASE_SHA:-}")
    if [[ -z $base_sha ]]; then
      printf '::notice title=kubeward::%s\n' "$(gh_escape "new-findings-only: this run is not for a pull request (no base commit), so every finding is reported")"
    elif [[ ! $base_sha =~ ^[0-9a-fA-F]{7,64}$ ]]; then
      usage_error "invalid base sha '$base_sha' (expected a commit sha)"
    elif ! git cat-file -e "$base_sha^{commit}" 2>/dev/null; then
      # actions/checkout fetches one commit by default: fetch the base (history stays shallow,
      # so kubeward compares with it directly; fetch-depth: 0 lets it use the merge base).
      printf 'kubeward: fetching the base commit %s\n' "$base_sha" >&2
      if ! git fetch --no-tags --no-recurse-submodules --depth=1 origin "$base_sha" >&2 ||
        ! git cat-file -e "$base_sha^{commit}" 2>/dev/null; then
        usage_error "new-findings-only: the base commit $base_sha is not in the checkout and could not be fetched; set fetch-depth: 0 on actions/checkout"
      fi
    fi
  fi

  link=""
  if [[ $upload == true && -n ${GITHUB_SERVER_URL:-} && ${GITHUB_REPOSITORY:-} =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
    link="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/security/code-scanning?query=is%3Aopen+tool%3Akubeward"
    if [[ ${GITHUB_REF:-} =~ ^refs/pull/([0-9]+)/ ]]; then
      link+="+pr%3A${BASH_REMATCH[1]}"
    fi
  fi

  config=$(trim "${KW_CONFIG:-}")
  if [[ -n ${KW_SARIF_FILE:-} ]]; then
    sarif=$KW_SARIF_FILE
  elif [[ -n ${RUNNER_TEMP:-} ]]; then
    sarif="$RUNNER_TEMP/kubeward.sarif"
  else
    usage_error "RUNNER_TEMP is not set and KW_SARIF_FILE was not given"
  fi
  kw=${KUBEWARD:-kubeward}

  args=(lint --format "$format" --sarif-file "$sarif" --fail-on "$fail_on" --render "$render" --no-progress)
  args+=(--sarif-category "$category")
  [[ -n $link ]] && args+=(--sarif-link "$link")
  [[ -n $config ]] && args+=(--config "$config")
  [[ -n $baseline ]] && args+=(--baseline "$baseline")
  [[ -n $base_sha ]] && args+=(--new-from-rev "$base_sha")
  args+=(${extra[@]+"${extra[@]}"})

  rm -f -- "$sarif"
  printf '+ %s' "$kw" >&2
  printf ' %q' "${args[@]}" -- "${paths[@]}" >&2
  printf '\n' >&2

  set +e
  "$kw" "${args[@]}" -- "${paths[@]}"
  rc=$?
  set -e

  findings=""
  if [[ -s $sarif ]]; then
    findings=$(count_findings "$sarif")
  else
    if ((rc == 0)); then
      error "kubeward exited 0 but wrote no SARIF file to $sarif"
      rc=2
    fi
    sarif=""
  fi

  set_output sarif-file "$sarif"
  set_output findings "$findings"
  set_output exit-code "$rc"

  case "$rc" in
  0) printf 'kubeward: %s finding(s), none at or above fail-on=%s\n' "${findings:-?}" "$fail_on" ;;
  1) printf 'kubeward: %s finding(s); some at or above fail-on=%s (the job fails after the SARIF upload)\n' "${findings:-?}" "$fail_on" ;;
  *) printf 'kubeward: exit code %s (usage, configuration or internal error)\n' "$rc" ;;
  esac
}

main "$@"
