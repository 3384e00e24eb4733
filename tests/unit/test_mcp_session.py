"""The MCP session object (arama/mcp/server.py) without a transport: an engine that cannot start
turns every call into a tool error that says why, in the agent's language, and the tool list
is what the SDK sends. No model is loaded: the engine fails before it would need one."""

from __future__ import annotations

from pathlib import Path

from arama.engine.config import EngineConfig
from arama.mcp.answers import Sizing
from arama.mcp.server import AgentSession, tool_list


def test_an_unusable_cache_directory_is_a_tool_error_on_every_call(
    tmp_path: Path, workspace: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    for locale, words in (
        ("en", "cannot use its cache directory"),
        ("tr", "önbellek klasörünü kullanamıyor"),
    ):
        session = AgentSession(
            EngineConfig(cache_dir=blocker / "cache"), [workspace], Sizing(), locale
        )
        session.start()
        try:
            for name, arguments in (("search", {"query": "x"}), ("status", {})):
                answer = session.call(name, arguments)
                assert answer.is_error and words in answer.text and str(blocker) in answer.text
        finally:
            session.close()


def test_the_tool_list_carries_schemas_and_read_only_hints() -> None:
    tools = tool_list("en")
    assert [t.name for t in tools] == ["search", "related", "symbols", "status"]
    for tool in tools:
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        assert tool.description and tool.title
