"""The search engine: pure Python, no LSP. The LSP layer and the CLI both drive `Engine`."""

from __future__ import annotations
