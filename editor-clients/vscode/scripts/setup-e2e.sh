#!/usr/bin/env bash
# Installs what the VS Code extension's tests need, then builds (and packages) the extension.
# Idempotent: each step is skipped when its result is already there, so a warm run takes seconds.
#
#   scripts/setup-e2e.sh              everything the end-to-end test needs (and the unit tests)
#   scripts/setup-e2e.sh --no-tools   only npm ci, typecheck and the unit-test build
#   scripts/setup-e2e.sh --tools-only only the tools below
#   scripts/setup-e2e.sh --vsix-only  only Node 24 (for vsce) and dist/arama.vsix (`make dist`)
#
#   ARAMA_E2E_TOOLS   where the big tools go (default ~/.cache/arama-e2e): Node 24 and
#                     code-server (VS Code in the browser), both from the npm registry.
#
# System packages (apt, as root or through sudo): chromium (the browser Playwright drives) and
# libkrb5-dev (code-server's native modules build against it); apt runs only when one is missing.
# Outputs: out/test/unit (unit tests), dist/arama.vsix and dist/language-pack-tr.vsix.
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${ARAMA_E2E_TOOLS:-$HOME/.cache/arama-e2e}"
do_tools=1
do_build=1
do_editor=1 # code-server and Chromium; --vsix-only needs neither
for arg in "$@"; do
  case "$arg" in
    --tools-only) do_build=0 ;;
    --no-tools) do_tools=0 ;;
    --vsix-only) do_editor=0 ;;
    *) echo "setup-e2e: unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[setup-e2e %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 ;;
  aarch64 | arm64) NODE_ARCH=arm64 ;;
  *) echo "setup-e2e: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

# npm should not ask questions, print funding notes or phone home for audits.
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
export npm_config_yes=true

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    echo "setup-e2e: need root (or sudo) to run: $*" >&2; return 1
  fi
}

apt_packages() {
  local missing=()
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ "$1" = with-krb5 ] && ! dpkg -s libkrb5-dev >/dev/null 2>&1; then missing+=(libkrb5-dev); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

NODE24_DIR="$TOOLS/node-$NODE_VERSION"
NODE24_BIN="$NODE24_DIR/node_modules/node/node_modules/node-linux-$NODE_ARCH/bin"
CODE_SERVER_DIR="$TOOLS/code-server-$CODE_SERVER_VERSION"

install_node24() {
  if [ -x "$NODE24_BIN/node" ] && [ "$("$NODE24_BIN/node" --version)" = "v$NODE_VERSION" ]; then
    return 0
  fi
  say "npm install node@$NODE_VERSION -> $NODE24_DIR"
  rm -rf "$NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  echo '{"private": true}' >"$NODE24_DIR/package.json"
  npm install --prefix "$NODE24_DIR" --no-save --loglevel=error "node@$NODE_VERSION"
  "$NODE24_BIN/node" --version >/dev/null
}

install_code_server() {
  local stamp="$CODE_SERVER_DIR/.installed"
  [ -f "$stamp" ] && [ -x "$CODE_SERVER_DIR/node_modules/.bin/code-server" ] && return 0
  say "npm install code-server@$CODE_SERVER_VERSION -> $CODE_SERVER_DIR (a few minutes)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  echo '{"private": true}' >"$CODE_SERVER_DIR/package.json"
  # code-server demands Node 24 and builds native modules with node-gyp: run npm under Node 24
  # and give node-gyp that Node's headers, so it does not try to download them.
  PATH="$NODE24_BIN:$PATH" \
    npm_config_nodedir="$NODE24_DIR/node_modules/node/node_modules/node-linux-$NODE_ARCH" \
    npm install --prefix "$CODE_SERVER_DIR" --no-save --loglevel=error \
    "code-server@$CODE_SERVER_VERSION"
  PATH="$NODE24_BIN:$PATH" "$CODE_SERVER_DIR/node_modules/.bin/code-server" --version >/dev/null
  touch "$stamp"
}

build_extension() {
  cd "$HERE"
  local lock_stamp="node_modules/.arama-lock"
  if [ ! -f "$lock_stamp" ] || ! cmp -s package-lock.json "$lock_stamp"; then
    say "npm ci (extension dependencies)"
    npm ci --loglevel=error
    cp package-lock.json "$lock_stamp"
  fi
  # Rebuild only when a source, manifest or translation changed since the last build.
  local hash
  hash="$(cat package.json package-lock.json tsconfig.json package.nls*.json scripts/build.mjs \
    l10n/* media/* src/*.ts test/unit/*.ts README.md LICENSE CHANGELOG.md .vscodeignore \
    test/e2e/language-pack-tr/package.json test/e2e/language-pack-tr/translations/* |
    sha256sum | cut -c1-64)"
  if [ -f out/.build-hash ] && [ "$(cat out/.build-hash)" = "$hash" ]; then
    say "unit tests up to date"
  else
    say "typecheck and build the unit tests"
    npm run --silent typecheck
    npm run --silent build:tests
    echo "$hash" >out/.build-hash
  fi
  [ "$do_tools" = 1 ] || return 0
  if [ -f dist/.package-hash ] && [ "$(cat dist/.package-hash)" = "$hash" ] &&
    [ -f dist/arama.vsix ] && [ -f dist/language-pack-tr.vsix ]; then
    say "dist/arama.vsix up to date"
    return 0
  fi
  # vsce 4 needs Node >= 22: package under the Node 24 installed above.
  say "bundle and package dist/arama.vsix"
  rm -f dist/.package-hash
  PATH="$NODE24_BIN:$PATH" npm run --silent package >/dev/null
  # The Turkish display-language stub the e2e test installs (see test/e2e/language-pack-tr).
  (cd test/e2e/language-pack-tr && PATH="$NODE24_BIN:$PATH" ../../../node_modules/.bin/vsce \
    package --no-dependencies --skip-license --allow-missing-repository --out ../../../dist/language-pack-tr.vsix >/dev/null)
  echo "$hash" >dist/.package-hash
}

if [ "$do_tools" = 1 ]; then
  mkdir -p "$TOOLS"
  if [ "$do_editor" = 1 ]; then
    # libkrb5-dev only matters while code-server's native modules are being built.
    if [ -f "$CODE_SERVER_DIR/.installed" ]; then apt_packages no-krb5; else apt_packages with-krb5; fi
  fi
  install_node24
  [ "$do_editor" = 0 ] || install_code_server
fi
if [ "$do_build" = 1 ]; then
  build_extension
fi
say "done"
