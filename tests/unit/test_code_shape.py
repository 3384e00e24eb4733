"""The shape the code keeps (docs/architecture.md, invariant 12): no function in `engine/` and
`lsp/` above cyclomatic complexity 15 (radon's measure, which counts boolean operators too)
unless a `# complexity:` comment just above it says why, and no class above 300 lines. Also the
layering rule: the engine imports nothing of the LSP layer, the CLI or the contract."""

from __future__ import annotations

import ast
from pathlib import Path

from radon.complexity import cc_visit

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "arama"
CHECKED = ("engine", "lsp", "mcp")
MAX_COMPLEXITY = 15
MAX_CLASS_LINES = 300
JUSTIFIED = "# complexity:"


def _sources() -> list[Path]:
    return sorted(p for room in CHECKED for p in (PACKAGE / room).rglob("*.py"))


def _justified(lines: list[str], first_line: int) -> bool:
    """A `# complexity:` comment in the lines just above the definition (decorators skipped)."""
    index = first_line - 2  # 0-based index of the line above
    while index >= 0 and lines[index].lstrip().startswith(("@", "#")):
        if lines[index].lstrip().startswith(JUSTIFIED):
            return True
        index -= 1
    return False


def test_no_function_above_the_complexity_limit_without_a_reason() -> None:
    offenders = []
    for path in _sources():
        source = path.read_text()
        lines = source.splitlines()
        for block in cc_visit(source):
            if block.complexity > MAX_COMPLEXITY and not _justified(lines, block.lineno):
                rel = path.relative_to(PACKAGE)
                offenders.append(f"{rel}:{block.lineno} {block.fullname} ({block.complexity})")
    assert not offenders, "too complex, with no `# complexity:` reason:\n" + "\n".join(offenders)


def test_no_class_above_the_size_limit() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert not offenders, "classes above the size limit:\n" + "\n".join(offenders)


def test_the_engine_knows_nothing_of_lsp() -> None:
    forbidden = (
        "arama.lsp",
        "arama.mcp",
        "arama.cli",
        "arama.contract",
        "pygls",
        "lsprotocol",
        "mcp",
    )
    offenders = []
    for path in sorted((PACKAGE / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.startswith(forbidden)
            ]
    assert not offenders, "\n".join(offenders)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The measure sees a function with many branches, and a reason comment excuses it."""
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(20))
    source = f"def many(x):\n{branches}\n    return -1\n"
    (block,) = cc_visit(source)
    assert block.complexity > MAX_COMPLEXITY
    assert not _justified(source.splitlines(), block.lineno)
    excused = "# complexity: a lookup table written out\n" + source
    assert _justified(excused.splitlines(), cc_visit(excused)[0].lineno)
