"""Pinned registry releases as benchmark corpora: fetched once, cached, never committed.

Each package is one exact release from its registry's ordinary client (`pip download`, `npm
pack`, `apt-get download`), so two machines measure the same code and a new upstream release
never silently changes the numbers. Archives land in `<cache>/downloads/`, their sources in
`<cache>/sources/<name>-<version>/`; both are reused on later runs. A package that cannot be
fetched (no network, no apt lists, a withdrawn version) is reported as skipped with the reason,
and the benchmark goes on with the rest.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Registry = Literal["pypi", "npm", "debian"]
FETCH_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Package:
    """One pinned release and which of its files become corpus files.

    `roots` maps a directory inside the unpacked archive to a directory in the workspace (the
    workspace avoids names like `build/` that the scanner skips by default); files whose
    workspace path contains any of `exclude` are left out (tests, benchmarks, translations:
    they would cost embedding time without being search targets).
    """

    name: str
    registry: Registry
    version: str
    language: str
    roots: tuple[tuple[str, str], ...]
    suffixes: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.registry}:{self.name}=={self.version}"


# The pins. Change a version only together with the results in benchmarks/README.md.
PACKAGES: tuple[Package, ...] = (
    Package("rich", "pypi", "15.0.0", "python", (("rich", "rich"),), (".py",)),
    Package("httpx", "pypi", "0.28.1", "python", (("httpx", "httpx"),), (".py",)),
    Package(
        "attrs",
        "pypi",
        "26.1.0",
        "python",
        (("attr", "attrs/attr"), ("attrs", "attrs/attrs")),
        (".py", ".pyi"),
    ),
    Package(
        "yargs",
        "npm",
        "18.0.0",
        "javascript",
        (
            ("package/build/lib", "yargs/lib"),
            ("package/lib", "yargs/lib"),
            ("package/helpers", "yargs/helpers"),
        ),
        (".js", ".mjs", ".cjs"),
    ),
    Package(
        "zod",
        "npm",
        "4.1.12",
        "typescript",
        (
            ("package/src/v4/core", "zod/core"),
            ("package/src/v4/classic", "zod/classic"),
            ("package/src/v4/mini", "zod/mini"),
        ),
        (".ts",),
        ("/tests/", ".test.ts", "/locales/"),
    ),
    # yargs ships compiled JS without comments and zod documents interfaces, not the functions
    # that implement them: lodash and rxjs are the JS and TS docstring queries.
    Package(
        "lodash",
        "npm",
        "4.17.21",
        "javascript",
        (("package", "lodash"),),
        (".js",),
        # One module per function (`debounce.js`, `_baseClone.js`); left out: the bundles that
        # repeat them all (`lodash.js`, `core.js`, minified), `fp/` and the index modules that
        # only re-export (`array.js` = `{chunk: require('./chunk'), ...}`).
        (
            "/fp/",
            *(
                f"/lodash/{bundle}.js"
                for bundle in (
                    "lodash",
                    "lodash.min",
                    "core",
                    "core.min",
                    "fp",
                    "index",
                    "array",
                    "collection",
                    "date",
                    "function",
                    "lang",
                    "math",
                    "number",
                    "object",
                    "seq",
                    "string",
                    "util",
                )
            ),
        ),
    ),
    Package(
        "rxjs",
        "npm",
        "7.8.1",
        "typescript",
        # The TypeScript sources (the package also ships them); the ajax and testing parts
        # are left out: 155 chunks for 6 documented functions.
        (("package/src/internal", "rxjs"),),
        (".ts",),
        ("/ajax/", "/testing/"),
    ),
    Package(
        "golang-github-stretchr-testify-dev",
        "debian",
        "1.8.1-1",
        "go",
        (("usr/share/gocode/src/github.com/stretchr/testify", "testify"),),
        (".go",),
        ("_test.go", "/_codegen/"),
    ),
    Package(
        "librust-itertools-dev",
        "debian",
        "0.10.3-1",
        "rust",
        (("usr/share/cargo/registry/itertools-0.10.3/src", "itertools/src"),),
        (".rs",),
    ),
)


@dataclass(frozen=True, slots=True)
class Fetched:
    package: Package
    archive: Path
    sha256: str
    source: Path

    def files(self) -> Iterator[tuple[Path, str]]:
        """(file in the unpacked source, its workspace-relative path), sorted."""
        for inner, outer in self.package.roots:
            base = self.source / inner
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                if not path.is_file() or not path.name.endswith(self.package.suffixes):
                    continue
                rel = f"{outer}/{path.relative_to(base).as_posix()}"
                if any(pattern in f"/{rel}" for pattern in self.package.exclude):
                    continue
                yield path, rel


@dataclass(frozen=True, slots=True)
class Skipped:
    package: Package
    reason: str


def fetch(package: Package, cache_dir: Path) -> Fetched | Skipped:
    """The package's unpacked sources, downloading and unpacking only what is not cached."""
    downloads = cache_dir / "downloads" / package.registry
    downloads.mkdir(parents=True, exist_ok=True)
    try:
        archive = _cached_archive(package, downloads) or _download(package, downloads)
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        return Skipped(package, f"download failed: {exc}")
    source = cache_dir / "sources" / f"{package.name}-{package.version}"
    marker = source / ".unpacked"
    if not marker.exists():
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        try:
            _unpack(archive, source)
        except (OSError, subprocess.SubprocessError, tarfile.TarError, zipfile.BadZipFile) as exc:
            shutil.rmtree(source, ignore_errors=True)
            return Skipped(package, f"unpacking {archive.name} failed: {exc}")
        marker.write_text(archive.name + "\n")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    fetched = Fetched(package, archive, digest, source)
    if next(fetched.files(), None) is None:
        return Skipped(package, f"no {'/'.join(package.suffixes)} files under {package.roots}")
    return fetched


def _cached_archive(package: Package, downloads: Path) -> Path | None:
    for path in sorted(downloads.iterdir()):
        if _archive_matches(path.name, package):
            return path
    return None


def _archive_matches(filename: str, package: Package) -> bool:
    """Whether a downloaded file name is this exact release (each client names files its own
    way: `rich-15.0.0-py3-none-any.whl`, `zod-4.1.12.tgz`, `pkg_1.8.1-1_all.deb`)."""
    if package.registry == "debian":
        return filename.startswith(f"{package.name}_{package.version}_") and filename.endswith(
            ".deb"
        )
    stem = package.name.replace("-", "_") if package.registry == "pypi" else package.name
    return filename.startswith(f"{stem}-{package.version}") and filename.endswith(
        (".whl", ".tar.gz", ".tgz", ".zip")
    )


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"`{' '.join(command)}` exited {done.returncode}: {' | '.join(tail)}")


def _download(package: Package, downloads: Path) -> Path:
    if package.registry == "pypi":
        # A wheel: pure-Python packages carry their sources as is, and no build step runs.
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
        command += ["--disable-pip-version-check", f"{package.name}=={package.version}", "-d", "."]
    elif package.registry == "npm":
        command = ["npm", "pack", f"{package.name}@{package.version}", "--silent"]
    else:
        # As root apt warns that its sandbox user cannot write here; the download still works.
        command = ["apt-get", "download", f"{package.name}={package.version}"]
    if package.registry != "pypi" and shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} is not installed")
    _run(command, downloads)
    archive = _cached_archive(package, downloads)
    if archive is None:
        raise RuntimeError(f"{command[0]} succeeded but left no archive for {package.label}")
    return archive


def _unpack(archive: Path, target: Path) -> None:
    name = archive.name
    if name.endswith(".whl") or name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(target)
    elif name.endswith((".tgz", ".tar.gz")):
        with tarfile.open(archive) as tarred:
            tarred.extractall(target, filter="data")
    elif name.endswith(".deb"):
        _run(["dpkg-deb", "-x", str(archive), str(target)], target)
    else:
        raise RuntimeError(f"unknown archive type: {name}")


def fetch_all(cache_dir: Path, only: set[str] | None = None) -> tuple[list[Fetched], list[Skipped]]:
    fetched: list[Fetched] = []
    skipped: list[Skipped] = []
    for package in PACKAGES:
        if only is not None and package.name not in only:
            continue
        result = fetch(package, cache_dir)
        (fetched if isinstance(result, Fetched) else skipped).append(result)  # type: ignore[arg-type]
    return fetched, skipped
