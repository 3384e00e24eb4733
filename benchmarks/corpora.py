"""Pinned full source releases as benchmark corpora: fetched once, cached, never committed.

Each package is one exact release from its registry's ordinary client, and the corpus is the
release tree *whole*, as a user would have it after cloning or unpacking it: code, tests, docs,
changelogs, examples, configuration. Nothing is filtered by suffix or by kind here; the only
files that never reach the index are those the scanner leaves out by default (build output,
lock files, images, ...), exactly as in a real workspace.

Where each tree comes from:
- `pypi`: the sdist (`pip download --no-binary :all: --no-deps NAME==VERSION`);
- `debian-source`: the upstream tarball of a Debian source package (`apt-get source
  --download-only NAME=VERSION`, needs a `deb-src` line), unpacked as upstream published it:
  the `.orig.tar.*` only, without Debian's patches, its `debian/` directory or the extra
  component tarballs (`.orig-NAME.tar.*`: other npm packages bundled for the build);
- `debian`: a binary `-dev` package that carries a source tree (`apt-get download`), for
  sources the mirror does not serve; Debian's own additions (`debian/`,
  `.cargo-checksum.json`) are left out, everything upstream shipped is kept.

Archives land in `<cache>/downloads/<registry>/`, trees in `<cache>/sources/`; both are reused
on later runs. A package that cannot be fetched (no network, no apt lists, a withdrawn version)
is reported as skipped with the reason, and the benchmark goes on with the rest.

    .venv/bin/python benchmarks/corpora.py               # fetch every pinned package, list them
    .venv/bin/python benchmarks/corpora.py --held-out    # the held-out ones (only fetched)
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Registry = Literal["pypi", "debian-source", "debian"]
FETCH_TIMEOUT_S = 900
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "arama-bench"


@dataclass(frozen=True, slots=True)
class Package:
    """One pinned release.

    `name` is the package's directory in the benchmark workspace (and what `--packages`
    selects); `source` is its name in the registry (PyPI project, Debian source package or
    Debian binary package). `root` is the release tree inside the unpacked archive: None for
    the archive's single top-level directory (sdists, upstream tarballs). `drop` lists paths
    under the root that the packager added (never upstream files).
    """

    name: str
    registry: Registry
    source: str
    version: str
    language: str
    root: str | None = None
    drop: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.registry}:{self.source}={self.version}"

    @property
    def upstream_version(self) -> str:
        """A Debian version without its epoch and Debian revision (`1:2.3-4` -> `2.3`)."""
        version = self.version.split(":", 1)[-1]
        return version.rsplit("-", 1)[0] if "-" in version else version


_DEB_DEV = (
    "debian",
    ".cargo-checksum.json",
)

# The pins. Change a version only together with the results in benchmarks/README.md.
PACKAGES: tuple[Package, ...] = (
    # rich's sdists (poetry) carry `rich/` alone, no tests or docs in any version: the full
    # tree is Debian's upstream tarball, the GitHub release v13.3.1 (tests, docs, examples,
    # changelog, the README's translations).
    Package("rich", "debian-source", "rich", "13.3.1-1", "python"),
    # sdist: code, tests, changelog, README (upstream keeps its docs/ out of the sdist; the
    # Debian source package, 0.23.3, is not served by the mirror).
    Package("httpx", "pypi", "httpx", "0.28.1", "python"),
    # sdist: code, tests, docs, changelog, typing examples, benchmarks.
    Package("attrs", "pypi", "attrs", "26.1.0", "python"),
    Package("testify", "debian-source", "golang-testify", "1.8.1-1", "go"),
    # `apt-get source rust-itertools` gets the .dsc, but the mirror answers 404 for its
    # .orig.tar.gz (as for every rust-* source package tried): the -dev package carries the
    # crate as published on crates.io, which is what Debian's orig tarball is (src, tests,
    # benches, examples, README, CHANGELOG).
    Package(
        "itertools",
        "debian",
        "librust-itertools-dev",
        "0.10.3-1",
        "rust",
        root="usr/share/cargo/registry/itertools-0.10.3",
        drop=_DEB_DEV,
    ),
    # The GitHub tag 4.17.21 (Debian's +dfsg repack): the monolithic lodash.js, its 17k-line
    # test suite, doc/README.md (the API reference), fp/, perf/, CHANGELOG.
    Package(
        "lodash",
        "debian-source",
        "node-lodash",
        "4.17.21+dfsg+~cs8.31.198.20210220-9",
        "javascript",
    ),
    # Express 4.18.2: lib/, test/, examples/, History.md, the governance docs.
    Package("express", "debian-source", "node-express", "4.18.2+~4.17.14-1", "javascript"),
    # yargs 16.2.0 is written in TypeScript (lib/*.ts), tests in JavaScript, docs/, example/.
    Package("yargs", "debian-source", "node-yargs", "16.2.0+~16.0.4-7", "typescript"),
    # TypeBox 0.24.44: src/ (TSDoc on every builder), test/, example/, benchmark/, changelog.
    Package("typebox", "debian-source", "node-sinclair-typebox", "0.24.44-3", "typescript"),
)

# Held out: NEVER used for tuning, never indexed by these benchmarks, their results never
# looked at while the ranking changes. They are measured once, at the end, by `arama eval`.
# One per weak language, full source releases fetched like the others.
HELD_OUT: tuple[Package, ...] = (
    Package("commander", "debian-source", "node-commander", "9.4.1-1", "javascript"),
    Package("got", "debian-source", "node-got", "11.8.5+~cs58.13.36-3", "typescript"),
    Package(
        "indexmap",
        "debian",
        "librust-indexmap-dev",
        "1.9.2-1",
        "rust",
        root="usr/share/cargo/registry/indexmap-1.9.2",
        drop=_DEB_DEV,
    ),
)


@dataclass(frozen=True, slots=True)
class Fetched:
    package: Package
    archive: Path
    sha256: str
    source: Path  # the release tree

    def files(self) -> Iterator[tuple[Path, str]]:
        """(file in the release tree, its workspace-relative path `<name>/<path>`), sorted;
        every regular file but the packager's additions (symlinks are not followed)."""
        dropped = tuple(d.rstrip("/") for d in self.package.drop)
        for path in sorted(self.source.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            inner = path.relative_to(self.source).as_posix()
            if inner == ".unpacked" or any(
                inner == d or inner.startswith(d + "/") for d in dropped
            ):
                continue
            yield path, f"{self.package.name}/{inner}"


@dataclass(frozen=True, slots=True)
class Skipped:
    package: Package
    reason: str


def fetch(package: Package, cache_dir: Path) -> Fetched | Skipped:
    """The package's release tree, downloading and unpacking only what is not cached."""
    downloads = cache_dir / "downloads" / package.registry
    downloads.mkdir(parents=True, exist_ok=True)
    try:
        archive = _cached_archive(package, downloads) or _download(package, downloads)
    except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
        return Skipped(package, f"download failed: {exc}")
    unpacked = cache_dir / "sources" / f"{package.registry}-{package.source}-{package.version}"
    marker = unpacked / ".unpacked"
    if not marker.exists():
        shutil.rmtree(unpacked, ignore_errors=True)
        unpacked.mkdir(parents=True)
        try:
            _unpack(archive, unpacked)
        except (OSError, subprocess.SubprocessError, tarfile.TarError, zipfile.BadZipFile) as exc:
            shutil.rmtree(unpacked, ignore_errors=True)
            return Skipped(package, f"unpacking {archive.name} failed: {exc}")
        marker.write_text(archive.name + "\n")
    root = _release_root(package, unpacked)
    if root is None:
        return Skipped(package, f"no release tree in {archive.name} (root {package.root!r})")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    fetched = Fetched(package, archive, digest, root)
    if next(fetched.files(), None) is None:
        return Skipped(package, f"no files under {root}")
    return fetched


def _release_root(package: Package, unpacked: Path) -> Path | None:
    if package.root is not None:
        root = unpacked / package.root
        return root if root.is_dir() else None
    entries = [p for p in unpacked.iterdir() if p.name != ".unpacked"]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return unpacked if entries else None


def _cached_archive(package: Package, downloads: Path) -> Path | None:
    for path in sorted(downloads.iterdir()):
        if _archive_matches(path.name, package):
            return path
    return None


def _archive_matches(filename: str, package: Package) -> bool:
    """Whether a downloaded file name is this exact release's archive (each client names
    files its own way: `attrs-26.1.0.tar.gz`, `rich_13.3.1.orig.tar.xz`,
    `librust-itertools-dev_0.10.3-1_amd64.deb`)."""
    if package.registry == "debian":
        return filename.startswith(f"{package.source}_{package.version}_") and filename.endswith(
            ".deb"
        )
    if package.registry == "debian-source":
        # The upstream tarball only, not `.orig-COMPONENT.tar.*` nor `.debian.tar.*`.
        stem = f"{package.source}_{package.upstream_version}.orig.tar."
        return filename.startswith(stem) and filename[len(stem) :] in ("gz", "xz", "bz2")
    stems = {
        f"{package.source}-{package.version}",
        f"{package.source.replace('-', '_')}-{package.version}",
    }
    return any(filename in (f"{s}.tar.gz", f"{s}.zip") for s in stems)


def _run(command: list[str], cwd: Path, *, check: bool = True) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=FETCH_TIMEOUT_S, check=False
    )
    tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` exited {done.returncode}: {tail}")
    return tail


def _download(package: Package, downloads: Path) -> Path:
    check = True
    if package.registry == "pypi":
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        command += ["--disable-pip-version-check", f"{package.source}=={package.version}"]
        command += ["-d", "."]
    elif package.registry == "debian-source":
        # Some component tarballs or the Debian diff may be missing from the mirror, which
        # makes apt-get fail; only the upstream tarball matters, so it decides.
        command = ["apt-get", "source", "--download-only", f"{package.source}={package.version}"]
        check = False
    else:
        # As root apt warns that its sandbox user cannot write here; the download still works.
        command = ["apt-get", "download", f"{package.source}={package.version}"]
    if package.registry != "pypi" and shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} is not installed")
    tail = _run(command, downloads, check=check)
    archive = _cached_archive(package, downloads)
    if archive is None:
        hint = " (a deb-src line for the mirror, then apt-get update?)" * (
            package.registry == "debian-source"
        )
        raise RuntimeError(
            f"`{' '.join(command)}` left no archive for {package.label}{hint}: {tail}"
        )
    return archive


def _unpack(archive: Path, target: Path) -> None:
    name = archive.name
    if name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(target)
    elif name.endswith((".tgz", ".tar.gz", ".tar.xz", ".tar.bz2")):
        with tarfile.open(archive) as tarred:
            tarred.extractall(target, filter="data")
    elif name.endswith(".deb"):
        _run(["dpkg-deb", "-x", str(archive), str(target)], target)
    else:
        raise RuntimeError(f"unknown archive type: {name}")


def fetch_all(
    cache_dir: Path, only: set[str] | None = None, packages: Iterable[Package] | None = None
) -> tuple[list[Fetched], list[Skipped]]:
    """Fetch `packages` (default: PACKAGES). With `only`, the packages of that name, looked up
    in PACKAGES and HELD_OUT (so `only={"got"}` fetches a held-out package)."""
    if packages is None:
        packages = PACKAGES if only is None else (*PACKAGES, *HELD_OUT)
    fetched: list[Fetched] = []
    skipped: list[Skipped] = []
    for package in packages:
        if only is not None and package.name not in only:
            continue
        result = fetch(package, cache_dir)
        (fetched if isinstance(result, Fetched) else skipped).append(result)  # type: ignore[arg-type]
    return fetched, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch and unpack the pinned releases.")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--held-out", action="store_true", help="the held-out packages instead")
    parser.add_argument("--only", help="comma-separated package names")
    args = parser.parse_args(argv)
    only = {p.strip() for p in args.only.split(",")} if args.only else None
    chosen = HELD_OUT if args.held_out else None
    fetched, skipped = fetch_all(args.cache_dir.expanduser().resolve(), only, chosen)
    for f in fetched:
        count = sum(1 for _ in f.files())
        print(f"{f.package.label:55} {count:6} files  {f.source}  sha256 {f.sha256[:16]}")
    for s in skipped:
        print(f"{s.package.label:55} SKIPPED: {s.reason}")
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
