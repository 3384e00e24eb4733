"""Helpers for the tests, not tests themselves: shared by the end-to-end suite (tests/e2e) and the
coming tests/lsp suite.

- `embedder`: `BagOfWordsEmbedder`, the deterministic stand-in for the real model.
- `fixtures`: `FIXTURE_WORKSPACE`, the sample workspace on disk.
- `lsp_session`, `custom_session`: the real `arama-ls` driven through pytest-lsp.
- `raw_lsp`: the server as a bare subprocess, spoken to byte by byte.
- `gated_server`: `arama-ls` whose query encoding waits on a gate file (run as a script).
- `audit_hook`: a `sitecustomize` logging what the server process opens, connects to and runs.
- `snapshot`: a directory tree's state (type, size, mtime, mode), for the confinement tests.
- `mcp_session`: the real `arama mcp` driven by the MCP SDK's own client.
- `hostile_workspace`: a workspace of every kind of file a scanner should survive.
- `background_loop`: an asyncio loop on its own thread, for synchronous (hypothesis) tests.

The pytest fixtures built on these (`embedder`, `workspace`) stay in tests/conftest.py.
"""
