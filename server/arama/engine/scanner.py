"""Which files belong to a workspace index, and reading them without surprises.

The scanner answers three questions for the engine: which files make up a folder (`scan`),
whether a file-watcher event concerns the index at all (`is_ignored`, `check`), and what text a
file holds (`read_source`). Everything it refuses is reported as a `SkipReason`, never raised
out of a walk: a workspace always has a few files we cannot or should not read.

Exclusion rules, in increasing precedence (a later source with an opinion on a path overrides
the earlier ones: git's "last match wins" over the concatenated rules):

1. `DEFAULT_EXCLUDES` below: dependency trees, caches, build output, lock files, bundles and
   binary formats, plus any directory holding a `pyvenv.cfg` (a virtualenv, whatever its name).
2. `.git/info/exclude` at the root.
3. `.gitignore`, then `.aramaignore`, in every directory, each applying to its own subtree
   with gitignore semantics; deeper files override shallower ones.
4. The `exclude` globs from the settings (gitignore syntax, relative to the root).

So a `!pattern` in any user file re-includes a default-excluded path, but `.git` is always
out. Like git, nothing inside an excluded directory can be re-included: we never look inside.
Matching is done by `pathspec`; only the default table is checked by plain name lookups,
because it is consulted for every entry and a hundred glob patterns per file would dominate
the walk.

Symbolic links are followed only when their target is inside the root, and each real file or
directory is indexed once, under its real location when the walk reaches it there (links are
resolved only after every real directory has been walked). A followed link's files carry the
link's workspace path in `rel` and the resolved path in `path`.
"""

from __future__ import annotations

import collections
import errno
import logging
import os
import re
import stat
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import pathspec

from arama.engine.config import DEFAULT_MAX_FILE_SIZE
from arama.engine.languages import PLAINTEXT, language_for_path, language_from_shebang
from arama.engine.records import ScannedFile, SkipFile, SkipReason

log = logging.getLogger(__name__)

IGNORED = "ignored"
"""`SkipFile.reason` from `check` for a path the rules exclude; not a status counter."""

ALWAYS_EXCLUDED = frozenset({".git"})
"""Names no rule can re-include: the repository database is never source."""

IGNORE_FILE_NAMES = (".gitignore", ".aramaignore")
"""Per-directory rule files, in increasing precedence (ours may override git's)."""

GIT_INFO_EXCLUDE = (".git", "info", "exclude")

# read_source thresholds.
BINARY_SNIFF_BYTES = 8192
"""A NUL byte this early means binary; text encodings we index never contain one."""
MAX_REPLACEMENT_RATIO = 0.10
"""Above this share of undecodable characters the file is not UTF-8 text in any useful sense."""
MINIFIED_MIN_CHARS = 20 * 1024
"""Small files are cheap to index even when dense; only bigger ones are judged minified."""
MINIFIED_AVG_LINE = 300
"""Hand-written code averages well under 80 characters per line; 300 means machine output."""
MINIFIED_MAX_LINE = 5000
"""One line this long (a bundle, an inlined blob) makes a file useless to chunk by lines."""
PROSE_LANGUAGES = frozenset({"markdown", "plaintext", "restructuredtext", "latex"})
"""Prose is often soft-wrapped (one paragraph a line), so only the longest-line rule applies."""
SHEBANG_PEEK_BYTES = 256
IGNORE_FILE_MAX_BYTES = 1_048_576
MAX_PATTERN_WILDCARDS = 3
"""pathspec compiles each `*` run to `[^/]*` and each `**` to `.*`-like groups, which Python's
regex engine backtracks through: a pattern with k of them costs up to O(len(path)**k) per path.
`*a*a*a*a*b` against a 60-character file name of `a`s takes half a minute, one more run hours,
so a rule file in a cloned repository could stall the scan forever. Patterns with more wildcard
runs than this are dropped (and logged) like invalid ones; git's own matcher has no such limit,
but real rule files almost never need more than `**/dir/**/*.ext`."""

_Spec = pathspec.GitIgnoreSpec  # compiled gitignore rules; the alias keeps signatures short

_WILDCARD_RUN = re.compile(r"(?<!\\)\*+")

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_REPLACEMENT = b"\xef\xbf\xbd"

# Never follow a final symlink (the path was resolved when scanned: a link appearing there
# later may point anywhere) and never block (a FIFO swapped in would hang the open).
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True)
class DefaultExcludes:
    """Paths excluded before any user rule is consulted, matched by entry name at any depth.

    File suffixes are compared case-insensitively (`LOGO.PNG` is as binary as `logo.png`);
    names are exact, as on a case-sensitive file system.
    """

    dir_names: frozenset[str]
    dir_suffixes: tuple[str, ...]
    dir_markers: tuple[str, ...]  # a directory holding one of these files is excluded
    file_names: frozenset[str]
    file_suffixes: tuple[str, ...]  # lower case

    def excludes(self, name: str, is_dir: bool, path: str) -> bool:
        """Whether the defaults exclude the entry `name` (at `path`, for the marker check)."""
        if not is_dir:
            return name in self.file_names or name.lower().endswith(self.file_suffixes)
        if name in self.dir_names or name.endswith(self.dir_suffixes):
            return True
        return any(os.path.isfile(os.path.join(path, m)) for m in self.dir_markers)


# fmt: off
DEFAULT_EXCLUDES = DefaultExcludes(
    dir_names=frozenset(
        {
            # other version control systems (.git is in ALWAYS_EXCLUDED)
            ".hg", ".svn",
            # dependency trees
            "node_modules", "bower_components", ".venv", "venv",
            # tool caches
            "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox",
            ".cache", ".gradle", ".idea",
            # build output
            "dist", "build", "target", "out", ".next", ".nuxt", "coverage",
        }
    ),
    dir_suffixes=(".egg-info",),
    dir_markers=("pyvenv.cfg",),
    file_names=frozenset(
        {
            # lock files not caught by the ".lock" suffix (yarn, Cargo, poetry, Pipfile,
            # composer, Gemfile, uv, ... all end in ".lock")
            "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "go.sum",
            ".DS_Store",
        }
    ),
    file_suffixes=(
        ".lock",
        # minified and generated bundles
        ".min.js", ".min.css", ".map", ".bundle.js",
        # compiled code and native binaries
        ".pyc", ".pyo", ".pyd", ".so", ".dll", ".dylib", ".exe", ".o", ".obj", ".a", ".lib",
        ".class", ".jar", ".war", ".ear", ".wasm",
        # images
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".icns", ".webp", ".tif", ".tiff",
        ".psd", ".heic", ".avif", ".svg",
        # fonts
        ".ttf", ".otf", ".woff", ".woff2", ".eot",
        # audio and video
        ".mp3", ".wav", ".ogg", ".flac", ".aac", ".m4a", ".mp4", ".m4v", ".mov", ".avi",
        ".mkv", ".webm",
        # archives and packages
        ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".whl", ".egg",
        ".deb", ".rpm", ".dmg", ".iso",
        # documents, databases, data and model files
        ".pdf", ".sqlite", ".sqlite3", ".db", ".faiss", ".npy", ".npz", ".pkl", ".pickle",
        ".pt", ".pth", ".ckpt", ".safetensors", ".onnx", ".bin", ".h5", ".parquet",
    ),
)
# fmt: on


@dataclass
class ScanResult:
    files: list[ScannedFile] = field(default_factory=list)
    skipped: collections.Counter[str] = field(default_factory=collections.Counter)
    """SkipReason value -> count, for files looked at and refused (not rule-ignored ones)."""


@dataclass(frozen=True, slots=True)
class _Layer:
    """One rule file, applying to the paths under `prefix` (its directory + '/', or '')."""

    prefix: str
    spec: _Spec


@dataclass(frozen=True, slots=True)
class _Dir:
    """A directory waiting to be listed."""

    real: str  # resolved path, used for every OS call
    rel: str  # workspace path ('' for the root), what the rules see
    layers: tuple[_Layer, ...]  # rules of the ancestors, not yet its own
    chain: tuple[tuple[int, int], ...]  # (st_dev, st_ino) of the ancestors, to tell loops


@dataclass(frozen=True, slots=True)
class _Link:
    """A symlink to inside the root, followed once every real directory has been walked."""

    name: str
    rel: str
    target: str  # resolved
    st: os.stat_result  # of the target
    layers: tuple[_Layer, ...]
    chain: tuple[tuple[int, int], ...]


class Scanner:
    """The file set of one workspace folder: its rules, a full walk, and per-path checks."""

    def __init__(
        self,
        root: Path,
        *,
        exclude: Sequence[str] = (),
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    ) -> None:
        self.root: Path = Path(root).resolve()
        self.max_file_size = max_file_size
        self._root_str = str(self.root)
        self._prefix = self._root_str.rstrip(os.sep) + os.sep
        if isinstance(exclude, str):  # a lone glob passed where a list belongs
            exclude = [exclude]
        self._user = _compile(exclude, "exclude setting")
        # rule file path -> ((st_ino, st_size, st_mtime_ns), compiled rules or None)
        self._ignore_cache: dict[str, tuple[tuple[int, int, int], _Spec | None]] = {}
        # Workspace folders open inside this one (relative, and resolved with a separator):
        # their subtrees belong to them, so each file is indexed once, by its innermost folder.
        self._nested: frozenset[str] = frozenset()
        self._nested_prefixes: tuple[str, ...] = ()

    # -- public API -----------------------------------------------------------------------

    def set_nested_folders(self, roots: Iterable[Path]) -> bool:
        """Leave these folders (open workspace folders inside this one) to their own index;
        returns whether the set changed (the folder then needs a rescan)."""
        rels: set[str] = set()
        for root in roots:
            rel = self._relative(str(root))
            if rel:
                rels.add(rel)
        nested = frozenset(rels)
        if nested == self._nested:
            return False
        self._nested = nested
        self._nested_prefixes = tuple(self._prefix + r.replace("/", os.sep) + os.sep for r in rels)
        return True

    def scan(self) -> ScanResult:
        """Walk the whole folder; never raises for anything found in it."""
        walk = _Walk(self)
        walk.run()
        walk.result.files.sort(key=lambda f: f.rel)
        return walk.result

    def is_ignored(self, path: Path) -> bool:
        """Whether a watcher event for `path` can be dropped: outside the root or excluded.

        Every ancestor is checked as a directory (we never index below an excluded one). The
        path itself may be gone; then it is judged as a file, so a deleted file we indexed is
        never hidden from the engine.
        """
        try:
            rel = self.rel(path)
        except SkipFile:
            return True
        parts = rel.split("/")
        if not ALWAYS_EXCLUDED.isdisjoint(parts):
            return True
        layers = self._base_layers() + self._dir_layers(self._root_str, "", None)
        real_dir, rel_dir = self._root_str, ""
        for depth, name in enumerate(parts, 1):
            sub_rel = f"{rel_dir}/{name}" if rel_dir else name
            sub_real = os.path.join(real_dir, name)
            last = depth == len(parts)
            is_dir = os.path.isdir(sub_real) if last else True
            if self._excluded(sub_rel, name, is_dir, layers, sub_real):
                return True
            if not last:
                layers += self._dir_layers(sub_real, sub_rel, None)
                real_dir, rel_dir = sub_real, sub_rel
        return False

    def check(self, path: Path) -> ScannedFile:
        """Decide one path from a watcher event the way `scan` would; raises `SkipFile`.

        Reasons: `IGNORED` (by a rule, or a link to a file indexed under its real path),
        `OUTSIDE_ROOT`, `VANISHED`, `NOT_REGULAR` (also for directories), `TOO_LARGE`,
        `SYMLINK_LOOP`, `PATH_TOO_LONG`, `UNREADABLE`.
        """
        rel = self.rel(path)
        if not _representable(rel):
            raise SkipFile(SkipReason.UNREADABLE, "file name is not valid UTF-8")
        logical = self._prefix + rel.replace("/", os.sep)
        if self.is_ignored(Path(logical)):
            raise SkipFile(IGNORED, rel)
        try:
            st = os.stat(logical)
            real = os.path.realpath(logical)
        except (OSError, ValueError) as exc:
            raise SkipFile(_reason_for(exc), rel) from exc
        if not self._inside(real):
            raise SkipFile(SkipReason.OUTSIDE_ROOT, f"{rel} -> {real}")
        if self._in_nested_folder(real):
            raise SkipFile(IGNORED, f"{rel} is in a nested workspace folder")
        real_rel = self._relative(real)
        if real_rel and real_rel != rel and not self.is_ignored(Path(real)):
            raise SkipFile(IGNORED, f"{rel} is an alias of {real_rel}")
        return self._scanned(real, rel, st, (rel.rsplit("/", 1)[-1], os.path.basename(real)))

    def rel(self, path: Path) -> str:
        """The workspace path of `path`, '/'-separated; raises SkipFile(OUTSIDE_ROOT).

        Purely lexical, so it works for deleted paths; only when that fails is the parent
        resolved, for watchers reporting through another spelling of the root (a symlink).
        """
        raw = os.fspath(path)
        absolute = os.path.abspath(raw if os.path.isabs(raw) else os.path.join(self.root, raw))
        rel = self._relative(absolute)
        if rel is None:
            try:
                parent = os.path.realpath(os.path.dirname(absolute))
            except (OSError, ValueError):
                parent = ""
            if parent:
                rel = self._relative(os.path.join(parent, os.path.basename(absolute)))
        if not rel:
            raise SkipFile(SkipReason.OUTSIDE_ROOT, raw)
        return rel

    # -- rules ----------------------------------------------------------------------------

    def _excluded(
        self, rel: str, name: str, is_dir: bool, layers: tuple[_Layer, ...], real: str
    ) -> bool:
        """Gitignore verdict for one entry: the highest-precedence rule with an opinion wins.
        A nested workspace folder is out whatever the rules say: it has an index of its own."""
        if is_dir and rel in self._nested:
            return True
        key = f"{rel}/" if is_dir else rel
        verdict = self._user.check_file(key).include if self._user is not None else None
        if verdict is None:
            for layer in reversed(layers):
                verdict = layer.spec.check_file(key[len(layer.prefix) :]).include
                if verdict is not None:
                    break
        if verdict is None:
            return DEFAULT_EXCLUDES.excludes(name, is_dir, real)
        return verdict

    def _base_layers(self) -> tuple[_Layer, ...]:
        """Rules that sit below every .gitignore: the repository's `.git/info/exclude`."""
        spec = self._ignore_file(os.path.join(self._root_str, *GIT_INFO_EXCLUDE))
        return (_Layer("", spec),) if spec is not None else ()

    def _dir_layers(
        self, real_dir: str, rel_dir: str, names: Collection[str] | None
    ) -> tuple[_Layer, ...]:
        """The rule files of one directory; `names` (its listing) saves stats when known."""
        prefix = f"{rel_dir}/" if rel_dir else ""
        layers: list[_Layer] = []
        for file_name in IGNORE_FILE_NAMES:
            if names is not None and file_name not in names:
                continue
            spec = self._ignore_file(os.path.join(real_dir, file_name))
            if spec is not None:
                layers.append(_Layer(prefix, spec))
        return tuple(layers)

    def _ignore_file(self, path: str) -> _Spec | None:
        """A compiled rule file, re-read only when it changed (watchers ask for it often)."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._ignore_cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        spec = self._load_ignore_file(path, st)
        self._ignore_cache[path] = (stamp, spec)
        return spec

    def _load_ignore_file(self, path: str, st: os.stat_result) -> _Spec | None:
        """Read a rule file only if it is a regular file inside the root (it may be a link)."""
        real = os.path.realpath(path)
        if not stat.S_ISREG(st.st_mode) or not self._inside(real):
            log.warning("not reading rules from %s: not a regular file inside the root", path)
            return None
        try:
            raw = _read_regular(real, IGNORE_FILE_MAX_BYTES)
        except SkipFile as skip:
            log.warning("cannot read rules from %s: %s", path, skip)
            return None
        raw = raw.removeprefix(_UTF8_BOM)
        return _compile(raw.decode("utf-8", errors="replace").splitlines(), path)

    # -- files ----------------------------------------------------------------------------

    def _scanned(
        self, real: str, rel: str, st: os.stat_result, names: tuple[str, ...]
    ) -> ScannedFile:
        """A ScannedFile from a stat of the (resolved) file; raises SkipFile when unfit."""
        if not stat.S_ISREG(st.st_mode):
            kind = "directory" if stat.S_ISDIR(st.st_mode) else "special file"
            raise SkipFile(SkipReason.NOT_REGULAR, f"{rel}: {kind}")
        if st.st_size > self.max_file_size:
            raise SkipFile(SkipReason.TOO_LARGE, f"{rel}: {st.st_size} bytes")
        return ScannedFile(
            path=Path(real),
            rel=rel,
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            language=_language(real, names, st.st_size),
        )

    def _in_nested_folder(self, real: str) -> bool:
        return any(real.startswith(p) or real + os.sep == p for p in self._nested_prefixes)

    def _inside(self, real: str) -> bool:
        return real == self._root_str or real.startswith(self._prefix)

    def _relative(self, absolute: str) -> str | None:
        if not absolute.startswith(self._prefix):
            return None
        return absolute[len(self._prefix) :].replace(os.sep, "/")


class _Walk:
    """One iterative walk: a stack of real directories, then the deferred symlinks.

    Deferring links means every real directory is visited (and claimed) under its real path
    first; a link to one of them is then an alias and skipped, one to an ancestor is a loop.
    """

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.result = ScanResult()
        self.visited: set[tuple[int, int]] = set()
        self.included: set[tuple[int, int]] = set()
        self.stack: list[_Dir] = []
        self.links: collections.deque[_Link] = collections.deque()

    def run(self) -> None:
        s = self.scanner
        self.stack.append(_Dir(s._root_str, "", s._base_layers(), ()))
        while self.stack or self.links:
            if self.stack:
                self._visit(self.stack.pop())
            else:
                self._follow(self.links.popleft())

    def _skip(self, reason: str, what: str) -> None:
        self.result.skipped[reason] += 1
        log.debug("skipped %s: %s", what, reason)

    def _visit(self, d: _Dir) -> None:
        try:
            st = os.stat(d.real)
            identity = (st.st_dev, st.st_ino)
            if identity in self.visited:
                if identity in d.chain:
                    self._skip(SkipReason.SYMLINK_LOOP, d.rel)
                return  # else an alias of a directory walked under its real path
            with os.scandir(d.real) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self._skip(_reason_for(exc), d.rel or d.real)
            return
        self.visited.add(identity)
        layers = d.layers + self.scanner._dir_layers(d.real, d.rel, {e.name for e in entries})
        chain = (*d.chain, identity)
        subdirs: list[_Dir] = []
        for entry in entries:
            rel = f"{d.rel}/{entry.name}" if d.rel else entry.name
            try:
                sub = self._entry(d, entry, rel, layers, chain)
            except OSError as exc:
                self._skip(_reason_for(exc), rel)
                continue
            if sub is not None:
                subdirs.append(sub)
        self.stack.extend(reversed(subdirs))  # popped in name order

    def _entry(
        self,
        d: _Dir,
        entry: os.DirEntry[str],
        rel: str,
        layers: tuple[_Layer, ...],
        chain: tuple[tuple[int, int], ...],
    ) -> _Dir | None:
        """Handle one listed entry; returns a subdirectory to walk, if it is one."""
        name = entry.name
        if name in ALWAYS_EXCLUDED:
            return None
        real = os.path.join(d.real, name)
        if entry.is_symlink():
            self._symlink(name, rel, real, layers, chain)
            return None
        is_dir = entry.is_dir(follow_symlinks=False)
        if self.scanner._excluded(rel, name, is_dir, layers, real):
            return None
        if not _representable(name):
            self._skip(SkipReason.UNREADABLE, f"{rel} (name is not valid UTF-8)")
            return None
        if is_dir:
            return _Dir(real, rel, layers, chain)
        self._add_file(real, rel, (name,), entry.stat(follow_symlinks=False))
        return None

    def _symlink(
        self,
        name: str,
        rel: str,
        real: str,
        layers: tuple[_Layer, ...],
        chain: tuple[tuple[int, int], ...],
    ) -> None:
        """Judge a link by its own path, then queue it if its target is inside the root."""
        try:
            st: os.stat_result | None = os.stat(real)
            error: OSError | None = None
        except OSError as exc:
            st, error = None, exc
        is_dir = st is not None and stat.S_ISDIR(st.st_mode)
        if self.scanner._excluded(rel, name, is_dir, layers, real):
            return
        if st is None:
            assert error is not None
            self._skip(_reason_for(error), rel)  # broken link: vanished; cycle: loop
            return
        target = os.path.realpath(real)
        if not self.scanner._inside(target):
            self._skip(SkipReason.OUTSIDE_ROOT, f"{rel} -> {target}")
            return
        if self.scanner._in_nested_folder(target):
            return  # indexed by the nested workspace folder it points into
        if not _representable(name):
            self._skip(SkipReason.UNREADABLE, f"{rel} (name is not valid UTF-8)")
            return
        self.links.append(_Link(name, rel, target, st, layers, chain))

    def _follow(self, link: _Link) -> None:
        if stat.S_ISDIR(link.st.st_mode):
            self.stack.append(_Dir(link.target, link.rel, link.layers, link.chain))
            return
        if (link.st.st_dev, link.st.st_ino) in self.included:
            return  # an alias of a file already indexed under its real path
        names = (link.name, os.path.basename(link.target))
        self._add_file(link.target, link.rel, names, link.st)

    def _add_file(self, real: str, rel: str, names: tuple[str, ...], st: os.stat_result) -> None:
        try:
            scanned = self.scanner._scanned(real, rel, st, names)
        except SkipFile as skip:
            self._skip(skip.reason, rel)
            return
        self.result.files.append(scanned)
        self.included.add((st.st_dev, st.st_ino))


def read_source(file: ScannedFile, *, max_file_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """Return the text of a scanned file, or raise SkipFile saying why not.

    Reasons: VANISHED, UNREADABLE, PATH_TOO_LONG, NOT_REGULAR (it changed since the scan),
    TOO_LARGE (judged on the bytes actually read, at most max + 1 of them), BINARY (a NUL
    byte in the first BINARY_SNIFF_BYTES, or more than MAX_REPLACEMENT_RATIO undecodable
    characters; UTF-16 files land here too), MINIFIED (over MINIFIED_MIN_CHARS and lines
    averaging over MINIFIED_AVG_LINE characters, or any line over MINIFIED_MAX_LINE; prose
    is judged by the longest line only).

    The text is UTF-8 with invalid bytes replaced, without a BOM, and with every line break
    (CRLF, and lone CR) turned into LF, since LSP counts all three as line ends.
    """
    raw = _read_regular(os.fspath(file.path), max_file_size + 1, max_size=max_file_size)
    if len(raw) > max_file_size:
        raise SkipFile(SkipReason.TOO_LARGE, f"{file.rel}: grew past {max_file_size} bytes")
    if b"\0" in raw[:BINARY_SNIFF_BYTES]:
        raise SkipFile(SkipReason.BINARY, file.rel)
    body = raw.removeprefix(_UTF8_BOM)
    text = body.decode("utf-8", errors="replace")
    if _mostly_undecodable(text, body):
        raise SkipFile(SkipReason.BINARY, f"{file.rel}: not UTF-8 text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_minified(text, file.language):
        raise SkipFile(SkipReason.MINIFIED, file.rel)
    return text


def _mostly_undecodable(text: str, body: bytes) -> bool:
    """Count only the replacement characters decoding introduced, not ones in the file."""
    if "\ufffd" not in text:
        return False
    introduced = text.count("\ufffd") - body.count(_UTF8_REPLACEMENT)
    return introduced > len(text) * MAX_REPLACEMENT_RATIO


def _looks_minified(text: str, language: str) -> bool:
    if len(text) <= MINIFIED_MIN_CHARS:
        return False
    lines = text.split("\n")
    if language not in PROSE_LANGUAGES and len(text) / len(lines) > MINIFIED_AVG_LINE:
        return True
    return max(map(len, lines)) > MINIFIED_MAX_LINE


def _read_regular(path: str, limit: int, *, max_size: int | None = None) -> bytes:
    """Read at most `limit` bytes of a regular file, never blocking and never following a
    final symlink; with `max_size`, refuse a bigger file before reading any of it."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except (OSError, ValueError) as exc:
        raise SkipFile(_reason_for(exc, opening=True), path) from exc
    try:
        with open(fd, "rb", closefd=False) as handle:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise SkipFile(SkipReason.NOT_REGULAR, path)
            if max_size is not None and st.st_size > max_size:
                raise SkipFile(SkipReason.TOO_LARGE, f"{path}: {st.st_size} bytes")
            return handle.read(limit)
    except OSError as exc:
        raise SkipFile(_reason_for(exc), path) from exc
    finally:
        os.close(fd)


def _language(real: str, names: tuple[str, ...], size: int) -> str:
    """By name (a link's own name first, then its target's); an extension-less file may
    name its interpreter in a shebang line."""
    for name in names:
        language = language_for_path(name)
        if language is not None:
            return language
    if size > 2 and not PurePath(names[0]).suffix:
        return language_from_shebang(_first_line(real)) or PLAINTEXT
    return PLAINTEXT


def _first_line(path: str) -> str:
    try:
        head = _read_regular(path, SHEBANG_PEEK_BYTES)
    except SkipFile:
        return ""  # read_source will say what is wrong with it
    line = head.removeprefix(_UTF8_BOM).split(b"\n", 1)[0]
    return line.decode("utf-8", errors="replace").rstrip("\r")


def glob_too_complex(pattern: str) -> bool:
    """Whether matching `pattern` could backtrack for minutes (see MAX_PATTERN_WILDCARDS)."""
    return len(_WILDCARD_RUN.findall(pattern)) > MAX_PATTERN_WILDCARDS


def _compile(lines: Iterable[str], origin: str) -> _Spec | None:
    """Compile gitignore lines, dropping (and logging) invalid ones instead of failing."""
    lines = list(lines)
    for line in [line for line in lines if not line.startswith("#") and glob_too_complex(line)]:
        log.warning("%s: ignoring pattern %r: too many wildcards to match safely", origin, line)
        lines.remove(line)
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        valid: list[str] = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except (ValueError, re.error) as exc:
                log.warning("%s: ignoring invalid pattern %r (%s)", origin, line, exc)
            else:
                valid.append(line)
        spec = pathspec.GitIgnoreSpec.from_lines(valid)
    if all(pattern.include is None for pattern in spec.patterns):
        return None  # only comments and blank lines
    return spec


def _reason_for(exc: BaseException, *, opening: bool = False) -> str:
    """Map an OS error to a SkipReason. With `opening` (O_NOFOLLOW), ELOOP means the final
    component is a symlink, which is not a loop but a file we refuse to read."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return SkipReason.VANISHED
        if exc.errno == errno.ENAMETOOLONG:
            return SkipReason.PATH_TOO_LONG
        if exc.errno == errno.ELOOP and not opening:
            return SkipReason.SYMLINK_LOOP
    return SkipReason.UNREADABLE


def _representable(name: str) -> bool:
    """Names with undecodable bytes (surrogate escapes) cannot travel in LSP's JSON."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
