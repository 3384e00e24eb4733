"""Find the ONNX export processes a test's arama started (or orphaned), from /proc."""

from __future__ import annotations

from pathlib import Path


def export_children(parent: int) -> list[int]:
    """Pids of ONNX export processes whose parent is (or was) `parent`, or that were orphaned."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"arama.engine.embedding.onnx_export" in cmdline and ppid in (parent, 1):
            found.append(int(proc.name))
    return found
