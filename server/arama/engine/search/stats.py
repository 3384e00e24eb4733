"""`arama.stats`: what the index holds (files, sizes, languages) and what users ask most."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from arama.engine.folders import FolderView
from arama.engine.records import IndexStats

RECENT_S = 7 * 24 * 3600
TOP = 10
QUERIES_PER_FOLDER = 50


def index_stats(folders: Sequence[FolderView]) -> IndexStats:
    since = time.time_ns() - RECENT_S * 10**9
    files = total = recent = 0
    languages: Counter[str] = Counter()
    queries: Counter[str] = Counter()
    for folder in folders:
        f, t, r, langs = folder.catalog.file_stats(since)
        files, total, recent = files + f, total + t, recent + r
        languages.update(dict(langs))
        queries.update(dict(folder.catalog.popular_queries(QUERIES_PER_FOLDER)))
    return IndexStats(
        files=files,
        total_bytes=total,
        recent_files_7d=recent,
        languages=_top(languages),
        popular_queries=_top(queries),
    )


def _top(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP])
