"""Answering from the index: readers only, on the caller's thread.

request   SearchRequest and its filters (what `arama.search` asks)
view      the narrow read-only view of the index a search sees
budget    a search's deadline and cancel flag, asked between steps
channels  one function per channel: dense, lexical, symbol names, name vectors
fusion    weighted reciprocal-rank fusion, definitions as one candidate, overlap folding
searcher  orchestration of a search, with the result and query-vector caches
context   related code at a position
names     fuzzy matching of symbol names
symbols   `workspace/symbol`: the symbol table, ranked by name and by meaning
stats     `arama.stats`
"""

from __future__ import annotations
