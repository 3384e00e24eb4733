"""A workspace made of every kind of file a scanner should survive, and what it should make of it.

`build_hostile_workspace` writes the tree and returns what the index should end up with: the
files it must index, and `skippedFiles` by reason (`arama.engine.records.SkipReason` values).
The tree is built with plain system calls (no `shutil.copytree`, which would follow the links),
and with directory file descriptors where an absolute path would exceed PATH_MAX.
"""

from __future__ import annotations

import os
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from arama.engine.records import SkipReason

MIB = 1024 * 1024
MAX_FILE_SIZE = 8 * MIB
"""`maxFileSize` used with this workspace: above the 5 MiB bundle, so that it is judged by its
content (minified), and far below the 50 MiB file."""
NESTING = 10_000

NORMAL_FUNCTION = "reconcile_ledger_balances"
NORMAL_SOURCE = f'''"""Accounting helpers."""


def {NORMAL_FUNCTION}(ledger, statement):
    """Match every ledger entry against the bank statement and return the unmatched ones."""
    seen = {{entry.reference for entry in statement}}
    return [entry for entry in ledger if entry.reference not in seen]
'''

LATIN1_FUNCTION = "café_au_lait_price"
TURKISH_DIR = "çalışma_alanı_ĞÜŞİÖÇ_ığüşöç"
TURKISH_FUNCTION = "şifreyi_doğrula"
CJK_FUNCTION = "计算总价"
EMOJI_FUNCTION = "launch_rocket"

# One path component may hold 255 bytes: these names are as long as that allows in each script.
LONG_ASCII_TURKISH_NAME = ("uzun_dosya_adı_" * 14)[:200] + "_son.py"  # 207 chars, 221 bytes
LONG_CJK_NAME = "代码搜索测试文件名称非常长" * 6 + ".py"  # 81 chars, 237 bytes
LONG_EMOJI_NAME = "🚀🔍💾🧪" * 15 + ".py"  # 63 chars, 243 bytes
REDOS_NAME_PATTERN = "*a*a*a*a*a*a*a*a*a*a*a*a*a*b"
REDOS_DIR_PATTERN = "**/x/**/x/**/x/**/x/**/y"
DEEP_CJK_DIR = "深层目录名称测试用" * 9  # 81 chars, 243 bytes per level
DEEP_LEVELS = 20  # 20 x 244 bytes: the bottom of the chain is past PATH_MAX
PATH_MAX = 4096  # Linux, including the terminating NUL


@dataclass
class HostileWorkspace:
    root: Path
    outside: Path
    indexed: set[str] = field(default_factory=set)
    """Workspace-relative paths the index must hold."""
    skipped: dict[str, int] = field(default_factory=dict)
    """The exact `skippedFiles` of `arama.status` after the first full scan."""
    functions: dict[str, str] = field(default_factory=dict)
    """Function name -> relative path of the file defining it (each must be found by search)."""
    deep_indexed_rel: str = ""
    deep_chain: list[str] = field(default_factory=list)
    """Every indexable `f.py` of the deep CJK chain (the same text at every level)."""


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)


def _unix_socket(target: Path) -> socket.socket:
    """A bound unix socket at `target` (bound in a short directory: sun_path holds 108 bytes)."""
    short = Path(tempfile.mkdtemp(prefix="s", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(short / "s"))
    os.rename(short / "s", target)
    short.rmdir()
    return sock


def _deep_chain(root: Path, name: str, levels: int, leaf_source: str) -> tuple[list[str], int]:
    """Directories `name/name/...`, each holding `f.py`, built relative to directory fds (the
    absolute path outgrows PATH_MAX). Returns the indexable files and the expected number of
    `pathTooLong` skips: the first directory too long to open, plus the `f.py` of the last
    openable one when the file's own path is too long."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _level in range(levels):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            leaf = os.open("f.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(leaf, leaf_source.encode())
            os.close(leaf)
    finally:
        os.close(fd)
    real_root = len(os.fsencode(os.path.realpath(root)))
    step = len(os.fsencode(name)) + 1
    indexable: list[str] = []
    too_long = 0
    for level in range(1, levels + 1):
        if real_root + step * level >= PATH_MAX:
            too_long += 1  # the directory itself: never listed, nothing below it counted
            break
        if real_root + step * level + len("/f.py") >= PATH_MAX:
            too_long += 1
        else:
            indexable.append("/".join([name] * level) + "/f.py")
    return indexable, too_long


def build_hostile_workspace(
    base: Path, *, deep_definitions: bool = False
) -> tuple[HostileWorkspace, list[socket.socket]]:
    """Build the tree under `base`; keep the returned sockets open while it is in use.

    `deep_definitions` adds a file of functions nested 10,000 deep (10,000 chunks: fine for the
    test embedder, minutes for the real model on a busy CI machine).
    """
    root = base / "hostile"
    outside = base / "outside"
    root.mkdir(parents=True)
    outside.mkdir(parents=True)
    ws = HostileWorkspace(root=root, outside=outside)
    skipped: dict[str, int] = {}

    def skip(reason: str, n: int = 1) -> None:
        skipped[reason] = skipped.get(reason, 0) + n

    # A normal file with a known function: it must be found whatever else is in the tree.
    _write(root / "ledger.py", NORMAL_SOURCE)
    ws.indexed.add("ledger.py")
    ws.functions[NORMAL_FUNCTION] = "ledger.py"

    # 50 MiB of source: over maxFileSize, refused by the size in the scan, never read.
    line = b"value = compute(value) + 1  # filler line for a fifty mebibyte file\n"
    with (root / "huge_generated.py").open("wb") as handle:
        block = line * (MIB // len(line) + 1)
        for _ in range(50):
            handle.write(block[:MIB])
    skip(SkipReason.TOO_LARGE)

    # A binary (NUL bytes early) with a .py name.
    _write(root / "payload.py", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64)
    skip(SkipReason.BINARY)

    # Invalid UTF-8: mostly undecodable bytes (no NUL) -> binary; a latin-1 accent in otherwise
    # UTF-8 code -> indexed, the byte replaced.
    _write(root / "legacy_encoding.txt", bytes(range(0x80, 0x100)) * 200)
    skip(SkipReason.BINARY)
    _write(
        root / "latin1.py",
        b"def caf\xc3\xa9_au_lait_price(size):\n    # cr\xe8me br\xfbl\xe9e\n    return 3 * size\n",
    )
    ws.indexed.add("latin1.py")
    ws.functions[LATIN1_FUNCTION] = "latin1.py"

    # A 5 MiB single-line bundle (not named .min.js) and a small one: judged minified.
    statement = "var a=function(b){return b&&b.c?b.c(d):e[f]||g(h,i,j)};"
    bundle = "!function(){" + statement * (5 * MIB // len(statement)) + "}();"
    _write(root / "app.js", bundle)
    _write(root / "static" / "vendor.js", "(function(){" + statement * 600 + "})();\n")
    skip(SkipReason.MINIFIED, 2)

    # Code nested 10,000 levels deep: indexed (syntax or line windows), never a crash.
    closing = ("]" * 100 + "\n") * (NESTING // 100)
    deep_py = "def deep_nesting_python():\n    return " + "[\n" * NESTING + "0\n" + closing
    deep_js = (
        "function deep_nesting_javascript() {\n" + "{\n" * NESTING + "return 1;\n" + "}\n" * NESTING
    ) + "}\n"
    _write(root / "deep" / "nested.py", deep_py)
    _write(root / "deep" / "nested.js", deep_js)
    ws.indexed |= {"deep/nested.py", "deep/nested.js"}
    if deep_definitions:
        # Definitions nested 10,000 deep: one chunk each (slow to embed with the real model).
        nested_functions = (
            "".join(f"function level{i}() {{\n" for i in range(NESTING)) + "}\n" * NESTING
        )
        _write(root / "deep" / "definitions.js", nested_functions)
        ws.indexed.add("deep/definitions.js")

    # A FIFO and a unix socket named like source files.
    os.mkfifo(root / "pipe.py")
    sockets = [_unix_socket(root / "server.sock.py")]
    skip(SkipReason.NOT_REGULAR, 2)

    # Symlink loops: a directory link to its own ancestor, and two links pointing at each other.
    (root / "loops").mkdir()
    (root / "loops" / "again").symlink_to("..", target_is_directory=True)
    (root / "loops" / "ping.py").symlink_to("pong.py")
    (root / "loops" / "pong.py").symlink_to("ping.py")
    skip(SkipReason.SYMLINK_LOOP, 3)

    # Links to a file and a directory outside the workspace.
    _write(outside / "secret.py", "def outside_secret_function():\n    return 'do not index'\n")
    (root / "escape.py").symlink_to(outside / "secret.py")
    (root / "escape_dir").symlink_to(outside, target_is_directory=True)
    skip(SkipReason.OUTSIDE_ROOT, 2)

    # A dangling link: its target vanished.
    (root / "dangling.py").symlink_to(root / "no_such_file.py")
    skip(SkipReason.VANISHED)

    # A file name that is not valid UTF-8 cannot travel in LSP's JSON.
    with open(os.path.join(os.fsencode(root), b"bad_name_\xff\xfe.py"), "wb") as handle:
        handle.write(b"def unreachable():\n    pass\n")
    skip(SkipReason.UNREADABLE)

    # Rule files whose patterns would backtrack for hours against the names next to them (a
    # 200-character name of `a`s, a chain of 300 `x` directories): dropped, never a stalled scan.
    _write(root / "redos" / ".gitignore", f"{REDOS_NAME_PATTERN}\n{REDOS_DIR_PATTERN}\n")
    _write(root / "redos" / ("a" * 200 + ".txt"), "aaaa\n")
    _write(root / "redos" / Path(*["x"] * 300) / "z.txt", "zzz\n")
    ws.indexed |= {"redos/.gitignore", f"redos/{'a' * 200}.txt", "redos/" + "x/" * 300 + "z.txt"}

    # Long names and paths in Turkish, CJK and emoji.
    _write(
        root / TURKISH_DIR / LONG_ASCII_TURKISH_NAME,
        f"def {TURKISH_FUNCTION}(parola):\n    return len(parola) >= 12\n",
    )
    _write(
        root / "中文目录" / LONG_CJK_NAME,
        f"def {CJK_FUNCTION}(商品):\n    return sum(项.价格 for 项 in 商品)\n",
    )
    _write(
        root / "🚀📁" / LONG_EMOJI_NAME,
        f"def {EMOJI_FUNCTION}(fuel):\n    return fuel > 100  # 🚀\n",
    )
    for rel in (
        f"{TURKISH_DIR}/{LONG_ASCII_TURKISH_NAME}",
        f"中文目录/{LONG_CJK_NAME}",
        f"🚀📁/{LONG_EMOJI_NAME}",
    ):
        ws.indexed.add(rel)
    ws.functions[TURKISH_FUNCTION] = f"{TURKISH_DIR}/{LONG_ASCII_TURKISH_NAME}"
    ws.functions[CJK_FUNCTION] = f"中文目录/{LONG_CJK_NAME}"
    ws.functions[EMOJI_FUNCTION] = f"🚀📁/{LONG_EMOJI_NAME}"

    # A chain of long CJK directory names that goes past PATH_MAX: what fits is indexed, the
    # first directory beyond is refused as a whole.
    indexable, too_long = _deep_chain(
        root, DEEP_CJK_DIR, DEEP_LEVELS, "def deep_directory_leaf():\n    return 1\n"
    )
    ws.indexed.update(indexable)
    ws.deep_indexed_rel = indexable[-1]
    ws.deep_chain = list(indexable)
    skip(SkipReason.PATH_TOO_LONG, too_long)

    ws.skipped = skipped
    return ws, sockets
