#!/usr/bin/env bash
# `make dist`: the release artifacts, each checked.
#
#   dist/arama-VERSION-py3-none-any.whl and dist/arama-VERSION.tar.gz   (python -m build)
#   dist/arama-VERSION.vsix                                             (vsce, via setup-e2e.sh)
#
# Checks: the Python package, the server and the extension carry one version; the wheel installs
# into a fresh virtual environment (torch's CPU build first, as `make env` does) and its
# `arama --version` and `arama-ls --version` print that version. Tools are pinned and come from
# PyPI (build) and npm (vsce, through the extension's package-lock.json).
#
#   PYTHON          the Python to build with (default python3, 3.11+)
#   DIST_CHECK      full (default): install the wheel with its dependencies into a fresh venv;
#                   none: build only
#   DIST_TOOLS      where the build tool's venv goes (default build/dist-tools)
#   DIST_DIR        where the artifacts go (default dist/)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_VERSION=1.2.2.post1
TORCH_VERSION=2.13.0
CHECK="${DIST_CHECK:-full}"
TOOLS="${DIST_TOOLS:-$ROOT/build/dist-tools}"
OUT="${DIST_DIR:-$ROOT/dist}"
say() { printf '[dist %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
pip_quiet=(--quiet --disable-pip-version-check)

cd "$ROOT"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -1)"
code_version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' server/arama/__init__.py)"
ext_version="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' editor-clients/vscode/package.json)"
if [ "$version" != "$code_version" ] || [ "$version" != "$ext_version" ]; then
  echo "dist: versions differ: pyproject.toml $version, arama.__version__ $code_version, extension $ext_version" >&2
  exit 1
fi
say "arama $version"

if [ ! -x "$TOOLS/bin/python" ] || ! "$TOOLS/bin/python" -m build --version 2>/dev/null | grep -q "build $BUILD_VERSION"; then
  say "build==$BUILD_VERSION -> $TOOLS"
  rm -rf "$TOOLS"
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install "${pip_quiet[@]}" "build==$BUILD_VERSION"
fi

mkdir -p "$OUT"
rm -f "$OUT/arama-$version-py3-none-any.whl" "$OUT/arama-$version.tar.gz" "$OUT/arama-$version.vsix"
say "wheel and sdist"
"$TOOLS/bin/python" -m build --sdist --wheel --outdir "$OUT" . >"$OUT/build.log" 2>&1 || {
  tail -40 "$OUT/build.log" >&2
  exit 1
}
wheel="$OUT/arama-$version-py3-none-any.whl"
sdist="$OUT/arama-$version.tar.gz"
[ -f "$wheel" ] && [ -f "$sdist" ] || { echo "dist: $wheel or $sdist missing" >&2; exit 1; }
# The wheel holds the package and its entry points, and no tests.
"$TOOLS/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["arama/__init__.py", "arama/lsp/server.py", "arama/cli.py", "arama/py.typed"]
missing = [n for n in need if n not in names]
stray = [n for n in names if n.startswith(("tests/", "benchmarks/", "editor-clients/"))]
entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
points = zipfile.ZipFile(sys.argv[1]).read(entry).decode()
if missing or stray or "arama-ls = arama.lsp.server:main" not in points:
    sys.exit(f"dist: bad wheel: missing {missing}, stray {stray[:5]}, entry points {points!r}")
PY

if [ "$CHECK" = full ]; then
  check="$(mktemp -d "${TMPDIR:-/tmp}/arama-dist-check.XXXXXX")"
  trap 'rm -rf "$check"' EXIT
  say "install the wheel into a fresh venv ($check)"
  "$PYTHON" -m venv "$check/venv"
  # torch's CPU build first, on its own: an unpinned resolve pulls a multi-GB CUDA build.
  "$check/venv/bin/python" -m pip install "${pip_quiet[@]}" "torch==$TORCH_VERSION"
  "$check/venv/bin/python" -m pip install "${pip_quiet[@]}" "$wheel"
  # Outside the checkout, with nothing of it on the path: the installed copy answers.
  got="$(cd "$check" && env -u PYTHONPATH "$check/venv/bin/arama" --version)"
  got_ls="$(cd "$check" && env -u PYTHONPATH "$check/venv/bin/arama-ls" --version)"
  if [ "$got" != "arama $version" ] || [ "$got_ls" != "arama-ls $version" ]; then
    echo "dist: the installed wheel says '$got' / '$got_ls', expected $version" >&2
    exit 1
  fi
  say "fresh venv: $got, $got_ls"
fi

say "the VS Code extension"
ext="$ROOT/editor-clients/vscode"
bash "$ext/scripts/setup-e2e.sh" --vsix-only
cp "$ext/dist/arama.vsix" "$OUT/arama-$version.vsix"
say "done:"
ls -l "$OUT"/arama-"$version"*
