"""In-process tests of the LSP layer with a fake engine (see conftest.py)."""
