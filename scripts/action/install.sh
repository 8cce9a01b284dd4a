#!/usr/bin/env bash
# Install kubeward for the kubeward GitHub Action (action.yml, step "install").
#
# Downloads the release archive for the runner's target triple plus SHA256SUMS
# from this repository's GitHub release, verifies the SHA-256, unpacks the
# binary into <root>/bin and adds that directory to $GITHUB_PATH. If the release
# has no matching asset, or KUBEWARD_VERSION is `source`, it builds the action's
# own checkout with `cargo install --locked --path "$GITHUB_ACTION_PATH"`.
# A checksum mismatch is always fatal; it never falls back to a source build.
#
# Environment (all inputs arrive through `env:`; nothing is templated into the
# script):
#   KUBEWARD_VERSION      X.Y.Z | vX.Y.Z | latest | source          (required)
#   GH_TOKEN              token for `gh` (optional; public releases work without)
#   GITHUB_ACTION_PATH    the action's checkout (source build; release repo detection)
#   RUNNER_TEMP, RUNNER_OS, RUNNER_ARCH, GITHUB_PATH, GITHUB_OUTPUT  (set by the runner)
#   KUBEWARD_RELEASE_REPO owner/name to download from. Default: the repository
#                         the action was checked out from (parsed from
#                         GITHUB_ACTION_PATH), else kubeward/kubeward.
#   KUBEWARD_INSTALL_DIR  install root (default: $RUNNER_TEMP/kubeward)
#   KUBEWARD_TARGET       override the detected target triple
#   KUBEWARD_RELEASE_DIR  TESTING ONLY: read the release assets from this local
#                         directory instead of downloading them.
#
# Step outputs: version, path (the bin directory), method (release|source).
set -euo pipefail

readonly DEFAULT_REPO="kubeward/kubeward"

# Workflow-command message escaping (actions/toolkit command.ts): % CR LF.
gh_escape() {
  local s=$1
  s=${s//'%'/'%25'}
  s=${s//$'\r'/'%0D'}
  s=${s//$'\n'/'%0A'}
  printf '%s' "$s"
}
log() { printf 'kubeward-install: %s\n' "$*" >&2; }
warn() { printf '::warning title=kubeward install::%s\n' "$(gh_escape "$*")"; }
die() {
  printf '::error title=kubeward install::%s\n' "$(gh_escape "$*")"
  exit 1
}

trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  s=${s%"${s##*[![:space:]]}"}
  printf '%s' "$s"
}

is_windows() {
  case "${RUNNER_OS:-$(uname -s)}" in
  Windows | MINGW* | MSYS* | CYGWIN* | Windows_NT) return 0 ;;
  *) return 1 ;;
  esac
}

# A path in the runner's native form (GITHUB_PATH on Windows wants C:\...).
native_path() {
  if is_windows && command -v cygpath >/dev/null 2>&1; then
    cygpath -w "$1"
  else
    printf '%s\n' "$1"
  fi
}

detect_target() {
  if [[ -n ${KUBEWARD_TARGET:-} ]]; then
    printf '%s\n' "$KUBEWARD_TARGET"
    return 0
  fi
  local os=${RUNNER_OS:-} arch=${RUNNER_ARCH:-}
  if [[ -z $os ]]; then
    case "$(uname -s)" in
    Linux) os=Linux ;;
    Darwin) os=macOS ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) os=Windows ;;
    *) os=$(uname -s) ;;
    esac
  fi
  if [[ -z $arch ]]; then
    case "$(uname -m)" in
    x86_64 | amd64 | AMD64) arch=X64 ;;
    aarch64 | arm64 | ARM64) arch=ARM64 ;;
    *) arch=$(uname -m) ;;
    esac
  fi
  case "$os/$arch" in
  Linux/X64) echo x86_64-unknown-linux-musl ;;
  Linux/ARM64) echo aarch64-unknown-linux-musl ;;
  macOS/X64) echo x86_64-apple-darwin ;;
  macOS/ARM64) echo aarch64-apple-darwin ;;
  Windows/X64) echo x86_64-pc-windows-msvc ;;
  Windows/ARM64) echo aarch64-pc-windows-msvc ;;
  *)
    log "no prebuilt kubeward for runner $os/$arch"
    return 1
    ;;
  esac
}

# Sets REPO (a global, so that die() is never called inside $(...)).
derive_repo() {
  local repo=${KUBEWARD_RELEASE_REPO:-}
  if [[ -z $repo ]]; then
    # Remote actions are checked out at <runner>/_actions/<owner>/<repo>/<ref>.
    # (github.action_repository is not reliable inside composite actions:
    # actions/runner#2525, github/docs#25336.)
    local p=${GITHUB_ACTION_PATH:-}
    p=${p//\\//}
    if [[ $p =~ /_actions/([^/]+)/([^/]+)/[^/]+/?$ ]]; then
      repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
    else
      repo=$DEFAULT_REPO
    fi
  fi
  [[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "invalid release repository: $repo"
  REPO=$repo
}

valid_version() {
  [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]
}

curl_api() {
  # Token goes through a config on stdin, never on the command line.
  if [[ -n ${GH_TOKEN:-} ]]; then
    printf 'header = "Authorization: Bearer %s"\n' "$GH_TOKEN" |
      curl -fsSL --proto '=https' --retry 3 -K - -H 'Accept: application/vnd.github+json' "$1"
  else
    curl -fsSL --proto '=https' --retry 3 -H 'Accept: application/vnd.github+json' "$1"
  fi
}

resolve_latest() {
  local repo=$1 tag=""
  if [[ -n ${KUBEWARD_RELEASE_DIR:-} ]]; then
    [[ -f $KUBEWARD_RELEASE_DIR/LATEST ]] && tag=$(tr -d '[:space:]' <"$KUBEWARD_RELEASE_DIR/LATEST")
  else
    if [[ -n ${GH_TOKEN:-} ]] && command -v gh >/dev/null 2>&1; then
      tag=$(gh release view --repo "$repo" --json tagName --jq .tagName 2>/dev/null) || tag=""
    fi
    if [[ -z $tag ]] && command -v curl >/dev/null 2>&1; then
      tag=$(curl_api "https://api.github.com/repos/$repo/releases/latest" 2>/dev/null |
        sed -n 's/.*"tag_name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1) || tag=""
    fi
  fi
  tag=${tag#v}
  if [[ -n $tag ]] && valid_version "$tag"; then
    printf '%s\n' "$tag"
  fi
}

have_sha256_tool() {
  command -v sha256sum >/dev/null 2>&1 || command -v shasum >/dev/null 2>&1 ||
    command -v openssl >/dev/null 2>&1
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum -- "$1" | awk '{print tolower($1)}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 -- "$1" | awk '{print tolower($1)}'
  else
    openssl dgst -sha256 -r "$1" | awk '{print tolower($1)}'
  fi
}

# fetch_assets <repo> <tag> <asset> <dir>: 0 when <asset> and SHA256SUMS are in <dir>.
fetch_assets() {
  local repo=$1 tag=$2 asset=$3 dir=$4 f
  if [[ -n ${KUBEWARD_RELEASE_DIR:-} ]]; then
    log "TESTING: using release assets from $KUBEWARD_RELEASE_DIR"
    for f in "$asset" SHA256SUMS; do
      [[ -f $KUBEWARD_RELEASE_DIR/$f ]] || {
        log "$f not found in $KUBEWARD_RELEASE_DIR"
        return 1
      }
      cp -- "$KUBEWARD_RELEASE_DIR/$f" "$dir/$f"
    done
    return 0
  fi
  if [[ -n ${GH_TOKEN:-} ]] && command -v gh >/dev/null 2>&1; then
    log "gh release download $tag --repo $repo --pattern $asset --pattern SHA256SUMS"
    if gh release download "$tag" --repo "$repo" --dir "$dir" --clobber \
      --pattern "$asset" --pattern SHA256SUMS &&
      [[ -f $dir/$asset && -f $dir/SHA256SUMS ]]; then
      return 0
    fi
    log "gh release download failed; trying curl"
  fi
  command -v curl >/dev/null 2>&1 || return 1
  for f in "$asset" SHA256SUMS; do
    log "curl https://github.com/$repo/releases/download/$tag/$f"
    curl -fsSL --proto '=https' --retry 3 -o "$dir/$f" \
      "https://github.com/$repo/releases/download/$tag/$f" || return 1
  done
}

verify_checksum() {
  local dir=$1 asset=$2 expected actual
  expected=$(tr -d '\r' <"$dir/SHA256SUMS" |
    awk -v f="$asset" '{ n = $2; sub(/^\*/, "", n) } n == f { print tolower($1); exit }')
  [[ $expected =~ ^[0-9a-f]{64}$ ]] || die "SHA256SUMS has no entry for $asset"
  have_sha256_tool || die "no SHA-256 tool found (sha256sum, shasum or openssl)"
  actual=$(sha256_of "$dir/$asset")
  if [[ $actual != "$expected" ]]; then
    die "SHA-256 mismatch for $asset: expected $expected, got $actual. Refusing to install."
  fi
  log "SHA-256 verified: $actual  $asset"
}

extract() {
  local archive=$1 dest=$2
  mkdir -p "$dest"
  case "$archive" in
  *.tar.gz) tar -xzf "$archive" -C "$dest" ;;
  *.zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q -o "$archive" -d "$dest"
    elif command -v 7z >/dev/null 2>&1; then
      7z x -y -o"$dest" "$archive" >/dev/null
    elif command -v powershell >/dev/null 2>&1; then
      powershell -NoProfile -NonInteractive -Command \
        "Expand-Archive -LiteralPath '$(native_path "$archive")' -DestinationPath '$(native_path "$dest")' -Force"
    else
      die "cannot extract $archive: no unzip, 7z or powershell"
    fi
    ;;
  *) die "unknown archive type: $archive" ;;
  esac
}

install_source() {
  local root=$1
  local src=${GITHUB_ACTION_PATH:-}
  [[ -n $src && -f $src/Cargo.toml ]] ||
    die "cannot build from source: GITHUB_ACTION_PATH does not contain Cargo.toml"
  command -v cargo >/dev/null 2>&1 ||
    die "cannot build from source: cargo not found (install a Rust toolchain first)"
  # A persistent target dir makes a second use of the action in the same job
  # an incremental (near no-op) build.
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
  log "building kubeward from source: cargo install --locked --path $src --root $root"
  cargo install --locked --path "$src" --root "$root" ||
    die "cargo install failed; see the log above"
}

install_release() {
  local repo=$1 version=$2 target=$3 root=$4 ext asset dl bin exe=""
  ext=tar.gz
  if [[ $target == *-windows-* ]]; then
    ext=zip
    exe=.exe
  fi
  asset="kubeward-${version}-${target}.${ext}"
  dl=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/kubeward-dl.XXXXXX") ||
    die "cannot create a temporary directory"
  if ! fetch_assets "$repo" "v$version" "$asset" "$dl"; then
    rm -rf -- "$dl"
    return 1
  fi
  # Called as `if ! install_release`, where errexit is off: check each step.
  # Only a missing asset returns 1 (=> source fallback); anything after the
  # download, above all a checksum mismatch, is fatal.
  verify_checksum "$dl" "$asset"
  extract "$dl/$asset" "$dl/x" || die "failed to extract $asset"
  bin=$(find "$dl/x" -type f -name "kubeward$exe" | head -n 1)
  [[ -n $bin ]] || die "$asset does not contain kubeward$exe"
  mkdir -p "$root/bin" || die "cannot create $root/bin"
  cp -f -- "$bin" "$root/bin/kubeward$exe" || die "cannot copy kubeward to $root/bin"
  chmod +x "$root/bin/kubeward$exe" || die "cannot chmod $root/bin/kubeward$exe"
  rm -rf -- "$dl"
}

set_output() {
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  else
    printf 'output %s=%s\n' "$1" "$2"
  fi
}

main() {
  local requested repo target="" version="" method root bindir exe="" got
  requested=$(trim "${KUBEWARD_VERSION:-}")
  [[ -n $requested ]] || die "input 'version' is empty (use X.Y.Z, latest or source)"
  derive_repo
  repo=$REPO
  root=${KUBEWARD_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/kubeward}
  bindir="$root/bin"
  is_windows && exe=.exe

  method=release
  case "$requested" in
  source) method=source ;;
  latest)
    version=$(resolve_latest "$repo")
    if [[ -z $version ]]; then
      warn "could not resolve the latest release of $repo; building from source instead"
      method=source
    else
      log "latest release of $repo is v$version"
    fi
    ;;
  *)
    version=${requested#v}
    valid_version "$version" ||
      die "invalid version '$requested' (use X.Y.Z, vX.Y.Z, latest or source)"
    ;;
  esac

  if [[ $method == release ]]; then
    if ! target=$(detect_target); then
      warn "no prebuilt kubeward for this runner; building from source instead"
      method=source
    fi
  fi

  if [[ $method == release ]]; then
    log "installing kubeward $version ($target) from $repo"
    if [[ -x $bindir/kubeward$exe ]] &&
      [[ $("$bindir/kubeward$exe" --version 2>/dev/null || true) == "kubeward $version" ]]; then
      log "kubeward $version already installed in $bindir"
    elif ! install_release "$repo" "$version" "$target" "$root"; then
      warn "could not download kubeward-$version-$target from release v$version of $repo (no such asset, or the download failed); building kubeward from the action's source instead (this takes a few minutes)"
      method=source
    fi
  fi
  if [[ $method == source ]]; then
    install_source "$root"
  fi

  [[ -x $bindir/kubeward$exe ]] || die "kubeward was not installed to $bindir"
  got=$("$bindir/kubeward$exe" --version) || die "installed kubeward does not run"
  log "installed: $got ($method) in $bindir"
  if [[ $method == release && $got != "kubeward $version" ]]; then
    die "installed binary reports '$got', expected 'kubeward $version'"
  fi
  version=${got#kubeward }

  if [[ -n ${GITHUB_PATH:-} ]]; then
    native_path "$bindir" >>"$GITHUB_PATH"
  else
    log "GITHUB_PATH not set; add $bindir to PATH yourself"
  fi
  set_output version "$version"
  set_output path "$(native_path "$bindir")"
  set_output method "$method"
}

# Sourcing (for tests) defines the functions without running main.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
