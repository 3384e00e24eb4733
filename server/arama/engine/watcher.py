"""Disk freshness: watchfiles over every workspace folder, in a thread of its own.

watchfiles already batches a burst of events (a branch switch touching thousands of files
arrives as a few sets); the engine coalesces those further per folder. Ignored paths are
dropped here, with the scanner's rules, so build output churn never reaches the indexer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles

log = logging.getLogger(__name__)

DEBOUNCE_MS = 200


class FolderWatcher:
    def __init__(
        self,
        on_changes: Callable[[set[Path]], None],
        is_ignored: Callable[[Path], bool],
    ) -> None:
        self._on_changes = on_changes
        self._is_ignored = is_ignored
        self._roots: tuple[Path, ...] = ()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def set_roots(self, roots: Sequence[Path]) -> None:
        """(Re)start watching exactly these folders."""
        wanted = tuple(sorted({r for r in roots if is_directory(r)}))
        with self._lock:
            if wanted == self._roots and self._thread is not None:
                return
            self._halt()
            self._roots = wanted
            if not wanted:
                return
            stop = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(wanted, stop), name="arama-watcher", daemon=True
            )
            self._stop, self._thread = stop, thread
            thread.start()

    def stop(self) -> None:
        with self._lock:
            self._halt()
            self._roots = ()

    def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._stop = self._thread = None

    def _keep(self, _change: watchfiles.Change, path: str) -> bool:
        try:
            return not self._is_ignored(Path(path))
        except Exception:
            return True

    def _run(self, roots: tuple[Path, ...], stop: threading.Event) -> None:
        try:
            for changes in watchfiles.watch(
                *roots,
                watch_filter=self._keep,
                stop_event=stop,
                debounce=DEBOUNCE_MS,
                step=50,
                raise_interrupt=False,
            ):
                paths = {Path(path) for _change, path in changes}
                if paths:
                    self._on_changes(paths)
        except Exception:
            log.exception("file watcher stopped; disk changes will be seen on the next rescan")


def is_directory(path: Path) -> bool:
    """`Path.is_dir`, but False for a path the OS refuses to look at (a name too long)."""
    try:
        return path.is_dir()
    except OSError:
        return False
