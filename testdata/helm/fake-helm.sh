#!/bin/sh
# Stand-in for `helm` in kubeward's tests (helm is not installable there). For
# `fake-helm.sh template NAME CHART [--values FILE]...` it prints the `helm template` output
# recorded in recorded/<chart>.yaml, or in recorded/<chart>-<values file name> when that values
# file has a recording of its own. An unknown chart fails the way helm does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" != template ] || [ $# -lt 3 ]; then
  echo "Error: fake-helm.sh only knows 'template NAME CHART'" >&2
  exit 1
fi
chart=$(basename "$3")
out="$here/recorded/$chart.yaml"
shift 3
while [ $# -gt 0 ]; do
  case "$1" in
    --values|-f)
      v=$(basename "$2" .yaml)
      if [ -f "$here/recorded/$chart-$v.yaml" ]; then out="$here/recorded/$chart-$v.yaml"; fi
      shift 2 ;;
    *) shift ;;
  esac
done
if [ ! -f "$out" ]; then
  echo "Error: INSTALLATION FAILED: chart \"$chart\" has no recorded output" >&2
  exit 1
fi
cat "$out"
