#!/usr/bin/env bash
# Last step of the kubeward GitHub Action: fail with kubeward's exit code,
# after the SARIF upload has run.
#
# Environment: KW_EXIT_CODE (step output of "run"), KW_FINDINGS (optional).
set -euo pipefail

code=${KW_EXIT_CODE:-}
findings=${KW_FINDINGS:-}
if [[ ! $code =~ ^[0-9]+$ ]]; then
  echo "::error title=kubeward::kubeward did not record an exit code"
  exit 2
fi
[[ $findings =~ ^[0-9]+$ ]] || findings="?"

case "$code" in
0) exit 0 ;;
1) echo "::error title=kubeward::kubeward reported ${findings} finding(s), some at or above the fail-on threshold" ;;
*) echo "::error title=kubeward::kubeward failed with exit code ${code} (usage, configuration or internal error; see the run step's log)" ;;
esac
exit "$code"
