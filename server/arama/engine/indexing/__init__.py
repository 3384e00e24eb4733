"""Keeping the index equal to the workspace: one writer thread and the rooms it works in.

jobs       what the worker is asked to do, one small type per kind, in a coalescing queue
           with delayed jobs (the one timer mechanism)
worker     the writer thread: runs jobs in order, embeds when nothing is queued, says when
           it is idle
opening    opening a folder: catalog recovery, reconciling the vector files with it
files      files and buffers into the catalog: full syncs, path events, new directories,
           storms, unsaved buffers
embedding  vectors for pending chunks and names: order, cache lookups, batches, saving
"""

from __future__ import annotations
