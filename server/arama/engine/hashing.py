"""Content digests: what the catalog compares files by and the embedding cache keys texts by."""

from __future__ import annotations

import hashlib


def text_hash(text: str) -> str:
    """sha256 of the text's UTF-8 bytes (lone surrogates from odd file names kept as is)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
