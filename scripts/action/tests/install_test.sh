#!/usr/bin/env bash
# Assertions are eval-ed single-quoted strings, hence SC2016/SC2034.
# shellcheck disable=SC2016,SC2034
# Tests for scripts/action/install.sh: target detection, repo detection,
# checksum verification, extraction, source fallback, gh/curl download paths.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INSTALL=$HERE/../install.sh
pass=0 fail=0
ok() { if eval "$2"; then pass=$((pass+1)); echo "ok   - $1"; else fail=$((fail+1)); echo "FAIL - $1  [$2]"; fi; }
W=$(mktemp -d "${TMPDIR:-/tmp}/kw-install-test.XXXXXX")
trap 'rm -rf "$W"' EXIT
SHIMS=$W/shims; mkdir -p "$SHIMS"
BASEPATH=$PATH

echo "# 1: target detection (RUNNER_OS/RUNNER_ARCH)"
while read -r os arch want; do
  got=$(unset KUBEWARD_TARGET; RUNNER_OS=$os RUNNER_ARCH=$arch bash -c 'source "$1"; detect_target' _ "$INSTALL" 2>/dev/null) || got="<none>"
  ok "$os/$arch -> $want" '[[ $got == "$want" ]]'
done <<'T'
Linux X64 x86_64-unknown-linux-musl
Linux ARM64 aarch64-unknown-linux-musl
macOS X64 x86_64-apple-darwin
macOS ARM64 aarch64-apple-darwin
Windows X64 x86_64-pc-windows-msvc
Windows ARM64 aarch64-pc-windows-msvc
Linux ARM <none>
Linux X86 <none>
T
got=$(env -u RUNNER_OS -u RUNNER_ARCH bash -c 'source "$1"; detect_target' _ "$INSTALL")
case "$(uname -s)/$(uname -m)" in
Linux/x86_64) want=x86_64-unknown-linux-musl ;;
Linux/aarch64) want=aarch64-unknown-linux-musl ;;
Darwin/x86_64) want=x86_64-apple-darwin ;;
Darwin/arm64) want=aarch64-apple-darwin ;;
*) want=$got ;;
esac
ok "uname fallback on this machine -> $got" '[[ -n $got && $got == "$want" ]]'

echo "# 2: release repository detection"
repo_of() { GITHUB_ACTION_PATH=$1 bash -c 'source "$1"; derive_repo; echo "$REPO"' _ "$INSTALL"; }
ok "remote action path" '[[ $(repo_of /home/runner/work/_actions/acme/kubeward/v0.1.0) == acme/kubeward ]]'
ok "windows action path" '[[ $(repo_of "D:\\a\\_actions\\acme\\kubeward\\v0.1.0") == acme/kubeward ]]'
ok "local action (uses: ./) -> default" '[[ $(repo_of /home/runner/work/kubeward/kubeward) == kubeward/kubeward ]]'
ok "override" '[[ $(KUBEWARD_RELEASE_REPO=me/fork repo_of /x) == me/fork ]]'
r=$(KUBEWARD_RELEASE_REPO='a/b;id' repo_of /x 2>&1); rc=$?
ok "invalid override rejected" '[[ $rc != 0 && $r == *"invalid release repository"* ]]'

# Fake release assets: an archive holding a 'kubeward' that prints its version.
make_release() { # dir version target [binary-version]
  local dir=$1 v=$2 t=$3 bv=${4:-$2} name exe=""
  [[ $t == *windows* ]] && exe=.exe
  name="kubeward-$v-$t"; mkdir -p "$dir/stage/$name"
  printf '#!/bin/sh\necho "kubeward %s"\n' "$bv" > "$dir/stage/$name/kubeward$exe"
  chmod +x "$dir/stage/$name/kubeward$exe"
  echo readme > "$dir/stage/$name/README.md"
  if [[ -n $exe ]]; then (cd "$dir/stage" && zip -qr "../$name.zip" "$name")
  else tar -czf "$dir/$name.tar.gz" -C "$dir/stage" "$name"; fi
  rm -rf "$dir/stage"
  (cd "$dir" && sha256sum kubeward-*.tar.gz kubeward-*.zip 2>/dev/null > SHA256SUMS)
}
new_env() {
  T=$(mktemp -d "$W/run.XXXXXX"); mkdir -p "$T/temp"
  export RUNNER_TEMP=$T/temp GITHUB_OUTPUT=$T/out GITHUB_PATH=$T/path RUNNER_OS=Linux RUNNER_ARCH=X64
  : > "$GITHUB_OUTPUT"; : > "$GITHUB_PATH"
  unset KUBEWARD_RELEASE_DIR KUBEWARD_TARGET GH_TOKEN GITHUB_ACTION_PATH KUBEWARD_RELEASE_REPO KUBEWARD_INSTALL_DIR CARGO_TARGET_DIR
  export PATH=$BASEPATH
}
out() { grep "^$1=" "$GITHUB_OUTPUT" | tail -n1 | cut -d= -f2-; }

# Fake cargo: records argv, "installs" a kubeward reporting $FAKE_CARGO_VERSION.
cat > "$SHIMS/cargo" <<'SH'
#!/usr/bin/env bash
printf '%s\n' "$@" > "$CARGO_ARGV_LOG"
root=""; while (($#)); do [[ $1 == --root ]] && root=$2; shift; done
mkdir -p "$root/bin"; printf '#!/bin/sh\necho "kubeward %s"\n' "${FAKE_CARGO_VERSION:-0.1.0}" > "$root/bin/kubeward"; chmod +x "$root/bin/kubeward"
SH
chmod +x "$SHIMS/cargo"
fake_action_path() { mkdir -p "$T/action"; echo '[package]' > "$T/action/Cargo.toml"; export GITHUB_ACTION_PATH=$T/action; }

echo "# 3: release install from local assets (KUBEWARD_RELEASE_DIR), checksum OK"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 x86_64-unknown-linux-musl
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 0" '[[ $rc == 0 ]]'
ok "binary installed and runs" '[[ $("$RUNNER_TEMP/kubeward/bin/kubeward" --version) == "kubeward 0.1.0" ]]'
ok "GITHUB_PATH" '[[ $(cat "$GITHUB_PATH") == "$RUNNER_TEMP/kubeward/bin" ]]'
ok "outputs" '[[ $(out version) == 0.1.0 && $(out method) == release && $(out path) == "$RUNNER_TEMP/kubeward/bin" ]]'
ok "checksum logged" 'grep -q "SHA-256 verified" "$T/log"'
echo "# 3b: second use in the same job reuses the installed binary"
rm -f "$KUBEWARD_RELEASE_DIR"/*
KUBEWARD_VERSION=v0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "vX.Y.Z accepted, reused without download" '[[ $rc == 0 ]] && grep -q "already installed" "$T/log"'

echo "# 4: tampered archive -> fatal, no source fallback"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"; export PATH=$SHIMS:$BASEPATH CARGO_ARGV_LOG=$T/cargo.argv; fake_action_path
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 x86_64-unknown-linux-musl
# Swap in a different, well-formed archive that also reports 0.1.0 (a
# malicious replacement); keep the original SHA256SUMS.
cp "$KUBEWARD_RELEASE_DIR/SHA256SUMS" "$T/SHA256SUMS.orig"
rm "$KUBEWARD_RELEASE_DIR"/kubeward-*.tar.gz
mkdir -p "$T/evil/kubeward-0.1.0-x86_64-unknown-linux-musl"
printf '#!/bin/sh\n# evil\necho "kubeward 0.1.0"\n' > "$T/evil/kubeward-0.1.0-x86_64-unknown-linux-musl/kubeward"
chmod +x "$T/evil/kubeward-0.1.0-x86_64-unknown-linux-musl/kubeward"
tar -czf "$KUBEWARD_RELEASE_DIR/kubeward-0.1.0-x86_64-unknown-linux-musl.tar.gz" -C "$T/evil" kubeward-0.1.0-x86_64-unknown-linux-musl
cp "$T/SHA256SUMS.orig" "$KUBEWARD_RELEASE_DIR/SHA256SUMS"
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 1" '[[ $rc == 1 ]]'
ok "::error SHA-256 mismatch" 'grep -q "^::error title=kubeward install::SHA-256 mismatch" "$T/log"'
ok "cargo not invoked, nothing installed" '[[ ! -e $T/cargo.argv && ! -e $RUNNER_TEMP/kubeward/bin/kubeward ]]'
ok "GITHUB_PATH untouched" '[[ ! -s $GITHUB_PATH ]]'

echo "# 5: SHA256SUMS without an entry for the asset -> fatal"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 x86_64-unknown-linux-musl
echo "$(printf '0%.0s' {1..64})  kubeward-0.1.0-aarch64-apple-darwin.tar.gz" > "$KUBEWARD_RELEASE_DIR/SHA256SUMS"
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 1, no entry" '[[ $rc == 1 ]] && grep -q "SHA256SUMS has no entry" "$T/log"'

echo "# 6: CRLF SHA256SUMS and '*' binary marker accepted"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 x86_64-unknown-linux-musl
sed -i -e 's/  / */' -e 's/$/\r/' "$KUBEWARD_RELEASE_DIR/SHA256SUMS"
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 0" '[[ $rc == 0 ]]'

echo "# 7: Windows zip (x86_64-pc-windows-msvc)"
new_env; export RUNNER_OS=Windows KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 x86_64-pc-windows-msvc
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 0, kubeward.exe installed" '[[ $rc == 0 && -x $RUNNER_TEMP/kubeward/bin/kubeward.exe ]]'

echo "# 8: no asset for this target -> source fallback (cargo install --locked --path)"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"; export PATH=$SHIMS:$BASEPATH CARGO_ARGV_LOG=$T/cargo.argv; fake_action_path
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 aarch64-apple-darwin
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 0" '[[ $rc == 0 ]]'
ok "::warning about fallback" 'grep -q "^::warning title=kubeward install::could not download kubeward-0.1.0-x86_64-unknown-linux-musl from release v0.1.0 of kubeward/kubeward" "$T/log"'
ok "cargo argv" '[[ $(paste -sd" " "$T/cargo.argv") == "install --locked --path $T/action --root $RUNNER_TEMP/kubeward" ]]'
ok "method=source" '[[ $(out method) == source && $(out version) == 0.1.0 ]]'

echo "# 9: version: source"
new_env; export PATH=$SHIMS:$BASEPATH CARGO_ARGV_LOG=$T/cargo.argv FAKE_CARGO_VERSION=0.2.0-dev; fake_action_path
KUBEWARD_VERSION=source bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 0, method=source, version from binary" '[[ $rc == 0 && $(out method) == source && $(out version) == 0.2.0-dev ]]'
unset FAKE_CARGO_VERSION
new_env; fake_action_path; rm "$T/action/Cargo.toml"
KUBEWARD_VERSION=source bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "source without Cargo.toml -> error" '[[ $rc == 1 ]] && grep -q "does not contain Cargo.toml" "$T/log"'

echo "# 10: archive holding the wrong version -> fatal"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"
make_release "$KUBEWARD_RELEASE_DIR" 0.1.0 x86_64-unknown-linux-musl 0.0.9
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "exit 1" '[[ $rc == 1 ]] && grep -q "expected .kubeward 0.1.0" "$T/log"'

echo "# 11: invalid versions rejected"
for v in '' '1.2' '0.1.0; id' 'main' '../../x' $'0.1.0\n::warning::x'; do
  new_env
  KUBEWARD_VERSION=$v bash "$INSTALL" > "$T/log" 2>&1; rc=$?
  ok "reject '$(printf %q "$v")'" '[[ $rc == 1 ]] && ! grep -q "^::warning::x" "$T/log"'
done

echo "# 12: latest (LATEST file in the test dir)"
new_env; export KUBEWARD_RELEASE_DIR=$T/rel; mkdir -p "$KUBEWARD_RELEASE_DIR"
make_release "$KUBEWARD_RELEASE_DIR" 0.3.1 x86_64-unknown-linux-musl; echo v0.3.1 > "$KUBEWARD_RELEASE_DIR/LATEST"
KUBEWARD_VERSION=latest bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "latest -> 0.3.1" '[[ $rc == 0 && $(out version) == 0.3.1 ]]'

echo "# 13: gh path (GH_TOKEN set), then curl fallback"
new_env; ASSETS=$W/assets; L=$W/shimlog; mkdir -p "$ASSETS" "$L"; make_release "$ASSETS" 0.1.0 x86_64-unknown-linux-musl
cat > "$SHIMS/gh" <<SH
#!/usr/bin/env bash
printf '%s\n' "\$@" > "$L/gh.argv"
[[ -n \${FAKE_GH_FAIL:-} ]] && { echo "no assets match the file pattern" >&2; exit 1; }
dir=""; while ((\$#)); do [[ \$1 == --dir ]] && dir=\$2; shift; done
cp "$ASSETS"/kubeward-0.1.0-x86_64-unknown-linux-musl.tar.gz "$ASSETS"/SHA256SUMS "\$dir"/
SH
cat > "$SHIMS/curl" <<SH
#!/usr/bin/env bash
printf '%s\n' "\$@" >> "$L/curl.argv"
o=""; url=""; while ((\$#)); do case \$1 in -o) o=\$2; shift;; https://*) url=\$1;; esac; shift; done
cp "$ASSETS/\${url##*/}" "\$o"
SH
chmod +x "$SHIMS/gh" "$SHIMS/curl"
export PATH=$SHIMS:$BASEPATH GH_TOKEN=ghs_fake
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "gh download ok" '[[ $rc == 0 && $(out method) == release ]]'
ok "curl not used when gh works" '[[ ! -e $L/curl.argv ]]'
ok "gh argv" '[[ $(paste -sd" " "$L/gh.argv") == "release download v0.1.0 --repo kubeward/kubeward --dir "*" --clobber --pattern kubeward-0.1.0-x86_64-unknown-linux-musl.tar.gz --pattern SHA256SUMS" ]]'
new_env; export PATH=$SHIMS:$BASEPATH GH_TOKEN=ghs_fake FAKE_GH_FAIL=1 GITHUB_ACTION_PATH=/r/_actions/acme/kw/v0.1.0
KUBEWARD_VERSION=0.1.0 bash "$INSTALL" > "$T/log" 2>&1; rc=$?
ok "gh fails -> curl ok" '[[ $rc == 0 && $(out method) == release ]]'
ok "curl URLs (https only, release download, repo from action path)" 'grep -q "^https://github.com/acme/kw/releases/download/v0.1.0/kubeward-0.1.0-x86_64-unknown-linux-musl.tar.gz$" "$L/curl.argv" && grep -q "^https://github.com/acme/kw/releases/download/v0.1.0/SHA256SUMS$" "$L/curl.argv" && grep -q "^=https$" "$L/curl.argv"'
ok "token never on a command line" '! grep -rq ghs_fake "$L/curl.argv" "$L/gh.argv"'
unset FAKE_GH_FAIL

echo "$pass passed, $fail failed"
((fail == 0))
