"""The MCP tools in-process (arama/mcp/tools.py, answers.py, places.py): arguments, answer
sizing, confinement. The engine is real but embeds with the deterministic test embedder
(support/embedder.py); the real SDK, server and model are in tests/e2e/test_mcp.py."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from arama.engine.config import EngineConfig
from arama.engine.engine import Engine
from arama.mcp.answers import Sizing
from arama.mcp.clients import config_text
from arama.mcp.places import OutsideFolders, Places, read_lines
from arama.mcp.tools import TOOLS, RelatedArguments, SymbolsArguments, Toolbox, ToolError
from support.embedder import BagOfWordsEmbedder

HEADER = re.compile(
    r"^(?P<path>\S+):(?P<start>\d+)-(?P<end>\d+)  (?P<symbol>\S+)  \((?P<score>[\d.]+)\)"
)


@pytest.fixture
def engine(tmp_path: Path, workspace: Path, embedder: BagOfWordsEmbedder) -> Iterator[Engine]:
    engine = Engine(EngineConfig(cache_dir=tmp_path / "cache"), embedder=embedder)
    engine.add_folder(workspace)
    engine.start()
    assert engine.wait_idle(60)
    yield engine
    engine.close()


@pytest.fixture
def tools(engine: Engine, workspace: Path) -> Toolbox:
    return Toolbox(engine, Places((workspace,)), Sizing(), "en")


def headers(text: str) -> list[re.Match[str]]:
    return [m for line in text.split("\n") if (m := HEADER.match(line))]


# -- schemas ------------------------------------------------------------------------------------


def test_every_schema_is_valid_and_declares_exactly_what_the_tool_reads() -> None:
    declared = {
        "related": {a.alias or a.name for a in RelatedArguments.__attrs_attrs__},  # type: ignore[attr-defined]
        "symbols": {a.alias or a.name for a in SymbolsArguments.__attrs_attrs__},  # type: ignore[attr-defined]
        "search": {
            "query",
            "limit",
            "offset",
            "mode",
            "paths",
            "exclude",
            "languages",
            "kinds",
            "content",
            "context",
        },
        "status": set(),
    }
    assert [t.name for t in TOOLS] == ["search", "related", "symbols", "status"]
    for tool in TOOLS:
        jsonschema.Draft202012Validator.check_schema(tool.schema)
        assert tool.schema["type"] == "object" and tool.schema["additionalProperties"] is False
        assert set(tool.arguments) == declared[tool.name], tool.name


def _valid(tool_name: str, structured: dict[str, object]) -> None:
    spec = next(t for t in TOOLS if t.name == tool_name)
    jsonschema.Draft202012Validator(spec.output_schema).validate(structured)


def test_every_answer_validates_against_its_tools_output_schema(
    engine: Engine, tools: Toolbox, workspace: Path
) -> None:
    for tool in TOOLS:
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
    small = Toolbox(engine, Places((workspace,)), Sizing(budget_chars=500), "en")
    answers = {
        "search": [
            tools.call("search", {"query": "transpose matrix rows columns", "limit": 3}),
            tools.call("search", {"query": "load_settings", "mode": "lexical", "context": 3}),
            small.call("search", {"query": "function", "limit": 50}),  # header-only hits
            tools.call("search", {"query": "zzqqxx nothing like this", "mode": "lexical"}),
        ],
        "related": [tools.call("related", {"file": "src/cart.ts", "line": 3})],
        "symbols": [
            tools.call("symbols", {"query": "findUserByEmail"}),
            small.call("symbols", {"query": "a", "limit": 100}),
        ],
        "status": [tools.call("status", {})],
    }
    assert any(r["snippet"] is None for r in answers["search"][2].structured["results"])
    for name, results in answers.items():
        for answer in results:
            assert not answer.is_error, answer.text
            _valid(name, answer.structured)
    # The schemas are closed: an answer with a field they do not declare is refused.
    extra = dict(answers["search"][0].structured, surprise=1)
    with pytest.raises(jsonschema.ValidationError):
        _valid("search", extra)


def test_tools_are_described_in_the_servers_locale() -> None:
    from arama.mcp.server import tool_list

    english = {t.name: t for t in tool_list("en_US.UTF-8")}
    turkish = {t.name: t for t in tool_list("tr_TR.UTF-8")}
    assert set(english) == set(turkish) == {t.name for t in TOOLS}
    for name, tool in turkish.items():
        other = english[name]
        assert tool.title and tool.description and tool.title != other.title
        assert tool.description != other.description
        assert tool.input_schema != other.input_schema or not tool.input_schema["properties"]
        for argument, prop in tool.input_schema["properties"].items():
            assert prop["description"], (name, argument)
            assert prop["description"] != other.input_schema["properties"][argument]["description"]
        # Only the words change: the same constraints, the same answer schema.
        strip = {
            a: {k: v for k, v in p.items() if k != "description"}
            for a, p in tool.input_schema["properties"].items()
        }
        assert strip == next(t for t in TOOLS if t.name == name).schema["properties"]
        assert tool.output_schema == other.output_schema
    assert "ara" in turkish["search"].description.lower()
    assert english == {t.name: t for t in tool_list(None)}  # no locale: English


# -- search -------------------------------------------------------------------------------------


def test_search_answers_one_line_per_hit_with_a_bounded_snippet(tools: Toolbox) -> None:
    answer = tools.call("search", {"query": "transpose matrix rows columns", "limit": 3})
    assert not answer.is_error
    found = headers(answer.text)
    assert found and found[0]["path"] == "src/matrix.rs"
    structured = answer.structured
    assert [r["path"] for r in structured["results"]] == [m["path"] for m in found]
    first = structured["results"][0]
    assert (
        first["start_line"] == int(found[0]["start"]) and first["end_line"] >= first["start_line"]
    )
    snippet = first["snippet"].split("\n")
    assert 1 <= len(snippet) <= Sizing().snippet_lines + 1
    # Snippet lines carry their 1-based line numbers.
    assert snippet[0].split()[0] == str(first["start_line"])
    assert structured["indexing"] is False


def test_the_next_page_starts_where_the_more_line_says(engine: Engine, workspace: Path) -> None:
    """An agent whose answer missed asks for the next page: the "N more" line names its offset,
    and that page holds the hits the budget left out, with their snippets."""
    small = Toolbox(engine, Places((workspace,)), Sizing(budget_chars=600), "en")
    query = {"query": "function", "limit": 12}
    first = small.call("search", query)
    shown = len(first.structured["results"])
    assert 0 < shown < 12 and first.structured["offset"] == 0
    last = first.text.split("\n")[-1]
    assert f"'offset': {shown}" in last and f"{first.structured['more']} more" in last
    following = small.call("search", {**query, "offset": shown})
    assert following.structured["offset"] == shown
    everything = Toolbox(engine, Places((workspace,)), Sizing(budget_chars=100_000), "en").call(
        "search", {"query": "function", "limit": 12 + shown}
    )
    paths = [(r["path"], r["start_line"]) for r in everything.structured["results"]]
    page = [(r["path"], r["start_line"]) for r in following.structured["results"]]
    assert page == paths[shown : shown + len(page)]
    assert following.structured["results"][0]["snippet"] is not None
    assert following.structured["more"] == following.structured["total"] - shown - len(page)


def test_the_character_budget_holds_and_the_rest_is_counted(
    engine: Engine, workspace: Path
) -> None:
    small = Toolbox(engine, Places((workspace,)), Sizing(budget_chars=500), "en")
    answer = small.call("search", {"query": "function", "limit": 50})
    lines = answer.text.split("\n")
    assert lines[-1].startswith("… ") and "more not shown" in lines[-1]
    body = "\n".join(lines[:-1])
    assert len(body) <= 500
    more = answer.structured["more"]
    assert more == answer.structured["total"] - len(answer.structured["results"]) > 0
    assert f"{more} more" in lines[-1]
    # The first hit fits with its snippet; once the budget runs short the next ones are header
    # lines only, and none gets a snippet after that.
    snippets = [r["snippet"] is not None for r in answer.structured["results"]]
    assert snippets[0] and False in snippets
    assert snippets == sorted(snippets, reverse=True)
    assert len(headers(answer.text)) == len(snippets)


def test_context_lines_come_from_the_file_around_the_hit(tools: Toolbox, workspace: Path) -> None:
    plain = tools.call("search", {"query": "load_settings", "limit": 1, "mode": "lexical"})
    wide = tools.call(
        "search", {"query": "load_settings", "limit": 1, "mode": "lexical", "context": 2}
    )
    hit = plain.structured["results"][0]
    assert hit["symbol"] == "load_settings"
    file_lines = (workspace / hit["path"]).read_text().split("\n")
    snippet = wide.structured["results"][0]["snippet"].split("\n")
    before = hit["start_line"] - 2
    assert snippet[0].split(None, 1)[0] == str(before)
    assert (
        snippet[0].rstrip().endswith(file_lines[before - 1].rstrip())
        or not file_lines[before - 1].strip()
    )
    assert len(snippet) > len(hit["snippet"].split("\n"))


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "query"),
        ({"query": ""}, "query"),
        ({"query": 7}, "query"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": "x", "limit": "5"}, "limit"),
        ({"query": "x", "mode": "psychic"}, "mode"),
        ({"query": "x", "languages": ["klingon"]}, "languages"),
        ({"query": "x", "context": 99}, "context"),
        ({"query": "x", "limt": 3}, "limt"),
    ],
)
def test_bad_search_arguments_are_tool_errors_naming_the_field(
    tools: Toolbox, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(ToolError, match=f"'{field}'"):
        tools.call("search", arguments)


def test_turkish_locale_gets_turkish_errors(engine: Engine, workspace: Path) -> None:
    turkish = Toolbox(engine, Places((workspace,)), Sizing(), "tr_TR.UTF-8")
    with pytest.raises(ToolError, match="'limit' 1 ile 200 arasında olmalı"):
        turkish.call("search", {"query": "x", "limit": 0})


def test_unknown_tool_is_a_tool_error(tools: Toolbox) -> None:
    with pytest.raises(ToolError, match="search, related, symbols, status"):
        tools.call("rm_rf", {})


# -- related and confinement --------------------------------------------------------------------


def test_related_takes_a_path_and_a_1_based_line(tools: Toolbox, workspace: Path) -> None:
    line = next(
        i
        for i, text in enumerate((workspace / "retry.py").read_text().split("\n"), 1)
        if "def retry_request" in text
    )
    answer = tools.call("related", {"file": "retry.py", "line": line + 2})
    assert not answer.is_error
    assert answer.structured["focus"]["symbol"] == "retry_request"
    assert answer.structured["focus"]["path"] == "retry.py"
    assert answer.text.startswith("Focus: retry.py:")
    assert all(
        r["path"] != "retry.py" or r["symbol"] != "retry_request"
        for r in answer.structured["results"]
    )
    absolute = tools.call("related", {"file": str(workspace / "retry.py"), "line": line})
    assert absolute.structured["focus"] == answer.structured["focus"]


@pytest.mark.parametrize(
    "file",
    [
        "../outside.py",
        "src/../../outside.py",
        "/etc/passwd",
        "file:///etc/passwd",
        "link_out.py",
        "linked_dir/secret.py",
    ],
)
def test_related_refuses_paths_that_leave_the_folder(
    tools: Toolbox, workspace: Path, tmp_path: Path, file: str
) -> None:
    outside = tmp_path / "outside_dir"
    outside.mkdir()
    (outside / "secret.py").write_text("def secret():\n    return 42\n")
    (tmp_path / "outside.py").write_text("def outside():\n    return 1\n")
    os.symlink(tmp_path / "outside.py", workspace / "link_out.py")
    os.symlink(outside, workspace / "linked_dir")
    with pytest.raises(ToolError, match="inside the workspace folders"):
        tools.call("related", {"file": file, "line": 1})


def test_related_on_a_file_not_in_the_index(tools: Toolbox, workspace: Path) -> None:
    (workspace / "node_modules").mkdir()
    (workspace / "node_modules" / "x.js").write_text("function x() {}\n")
    for file in ("missing.py", "node_modules/x.js"):
        with pytest.raises(ToolError, match="no file of the index"):
            tools.call("related", {"file": file, "line": 1})
    with pytest.raises(ToolError, match="'line'"):
        tools.call("related", {"file": "retry.py", "line": 0})


def test_places_in_several_folders(tmp_path: Path) -> None:
    api, web = tmp_path / "api", tmp_path / "web"
    for root in (api, web):
        root.mkdir()
        (root / "main.py").write_text("x = 1\n")
    places = Places((api, web))
    assert places.display(api, "main.py") == "api/main.py"
    assert places.resolve("web/main.py") == web / "main.py"
    assert places.resolve(str(api / "main.py")) == api / "main.py"
    with pytest.raises(OutsideFolders):
        places.resolve("api/../../etc/passwd")
    same_name = Places((tmp_path / "a" / "src", tmp_path / "b" / "src"))
    assert same_name.display(tmp_path / "a" / "src", "m.py") == str(tmp_path / "a" / "src" / "m.py")


def test_read_lines_never_follows_a_link_out(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret\n")
    os.symlink(tmp_path / "outside.txt", workspace / "out.txt")
    assert read_lines(workspace, "out.txt") is None
    assert read_lines(workspace, "../outside.txt") is None
    lines = read_lines(workspace, "retry.py")
    assert lines is not None and lines[0].startswith('"""')


# -- symbols and status -------------------------------------------------------------------------


def test_symbols_answer_with_kind_container_and_signature(tools: Toolbox) -> None:
    answer = tools.call("symbols", {"query": "findUserByEmail"})
    first = answer.structured["results"][0]
    assert (first["symbol"], first["container"], first["kind"]) == (
        "findUserByEmail",
        "UserRepository",
        "method",
    )
    assert "findUserByEmail(String email)" in first["signature"]
    assert answer.text.split("\n")[0].startswith("lib/UserRepository.java:")
    with pytest.raises(ToolError, match="'query'"):
        tools.call("symbols", {"query": "   "})


def test_status_in_words_and_as_the_contract_json(tools: Toolbox, workspace: Path) -> None:
    answer = tools.call("status", {})
    assert answer.structured["state"] == "ready"
    assert answer.structured["workspaceFolders"] == [str(workspace.resolve())]
    assert answer.text.startswith("Arama is ready:")
    with pytest.raises(ToolError, match="Unknown argument 'verbose'"):
        tools.call("status", {"verbose": True})


def test_print_config_snippets(tmp_path: Path) -> None:
    generic = json.loads(config_text("mcpServers", [tmp_path], ["--cache-dir", "/c"]))
    entry = generic["mcpServers"]["arama"]
    assert entry["args"] == ["mcp", "--cache-dir", "/c", str(tmp_path)]
    assert Path(entry["command"]).name == "arama" or entry["command"] == "arama"
    vscode = json.loads(config_text("vscode", [tmp_path]))
    assert vscode["servers"]["arama"]["type"] == "stdio"
    codex = config_text("codex", [tmp_path])
    assert codex.startswith("[mcp_servers.arama]") and f'"{tmp_path}"' in codex
