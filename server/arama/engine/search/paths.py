"""What a file is for, read from its path: implementation, tests, docs, examples, fixtures,
vendored or compatibility copies, generated code, type declarations, re-export modules, data
and configuration files, benchmarks.

Two uses: the `content` filter of a search (`code` | `tests` | `docs`), and the path prior that
ranks the implementation above tests, examples and copies when both match a question (users
who want the tests say so with the filter). The rules are conventions of the common ecosystems;
they look at the workspace-relative path only, never at the disk.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum

# -- traits ---------------------------------------------------------------------------------------

TEST = "test"
DOC = "doc"
EXAMPLE = "example"
FIXTURE = "fixture"
VENDORED = "vendored"
GENERATED = "generated"
DECLARATION = "declaration"
REEXPORT = "reexport"
DATA = "data"
BENCHMARK = "benchmark"

_TEST_DIRS = re.compile(r"(?:^|/)(?:tests?|__tests__|spec|specs|testing|test_?utils?)/", re.I)
_TEST_FILES = re.compile(
    r"(?:^|/)(?:"
    r"test_[^/]*\.py|[^/]*_test\.py|conftest\.py"  # Python
    r"|[^/]*_test\.go"  # Go
    r"|[^/]*\.(?:test|spec)\.[cm]?[jt]sx?"  # JavaScript / TypeScript
    r"|[^/]*(?:Test|Tests|Spec|IT)\.(?:java|kt|scala|cs|swift|php)"  # JVM, .NET, Swift, PHP
    r"|[^/]*_(?:spec|test)\.(?:rb|lua|dart|exs?|cpp|cc|c)"  # Ruby, Lua, Dart, Elixir, C/C++
    r"|test_[^/]*\.(?:cpp|cc|c|lua|dart)"
    r")$",
)
_DOC_LANGUAGES = frozenset({"markdown", "restructuredtext", "asciidoc", "latex"})
_TEXT_FILES = re.compile(r"\.txt$", re.I)
_DOC_DIRS = re.compile(r"(?:^|/)(?:docs?|documentation|man)/", re.I)
_DOC_FILES = re.compile(
    r"(?:^|/)(?:changes|changelog|history|news|releases?|authors|contributors|contributing"
    r"|code_of_conduct|security|license|licence|copying|notice|readme|upgrading|migrating"
    r"|pkg-info)"
    r"(?:[._-][^/]*)?$",
    re.I,
)
_EXAMPLE_DIRS = re.compile(r"(?:^|/)(?:_?examples?|demos?|samples?|docs?_src|tutorials?)/", re.I)
_FIXTURE_DIRS = re.compile(r"(?:^|/)(?:fixtures?|__fixtures__|testdata|mocks?|__mocks__|stubs)/")
_VENDORED_DIRS = re.compile(
    r"(?:^|/)(?:vendor|vendored|_vendor|third_party|thirdparty|external|compat|_compat|legacy"
    r"|single_include)/",
    re.I,
)
_GENERATED_FILES = re.compile(
    r"(?:_pb2(?:_grpc)?\.pyi?|\.pb(?:\.gw)?\.go|[._-]generated\.[a-z]+|\.g\.dart|_gen\.go)$"
)
_DECLARATION_FILES = re.compile(r"\.d\.[cm]?ts$|\.pyi$")
_REEXPORT_FILES = re.compile(r"(?:^|/)(?:__init__\.py|index\.[cm]?[jt]sx?|mod\.rs)$")
_DATA_LANGUAGES = frozenset(
    {"json", "jsonc", "yaml", "toml", "xml", "csv", "ini", "properties", "svg", "html"}
)
_BENCHMARK_DIRS = re.compile(r"(?:^|/)(?:benchmarks?|benches|bench|perf)/", re.I)


@functools.lru_cache(maxsize=65536)
def traits(path: str, language: str) -> frozenset[str]:
    """Every trait of a workspace-relative path ('/'-separated)."""
    found: set[str] = set()
    if _TEST_DIRS.search(path) or _TEST_FILES.search(path):
        found.add(TEST)
    if (
        _prose(path, language)
        or _DOC_FILES.search(path)
        or (_DOC_DIRS.search(path) and not _EXAMPLE_DIRS.search(path))
    ):
        found.add(DOC)
    if _EXAMPLE_DIRS.search(path):
        found.add(EXAMPLE)
    if _FIXTURE_DIRS.search(path):
        found.add(FIXTURE)
    if _VENDORED_DIRS.search(path):
        found.add(VENDORED)
    if _GENERATED_FILES.search(path):
        found.add(GENERATED)
    if _DECLARATION_FILES.search(path):
        found.add(DECLARATION)
    if _REEXPORT_FILES.search(path):
        found.add(REEXPORT)
    if language in _DATA_LANGUAGES:
        found.add(DATA)
    if _BENCHMARK_DIRS.search(path):
        found.add(BENCHMARK)
    return frozenset(found)


def _prose(path: str, language: str) -> bool:
    """Markup and `.txt` files; not other plain text (`.gitignore`, `Makefile`-like files)."""
    return language in _DOC_LANGUAGES or _TEXT_FILES.search(path) is not None


# -- the content filter ---------------------------------------------------------------------------


class Content(StrEnum):
    """What the `content` filter of `arama.search` names."""

    CODE = "code"
    TESTS = "tests"
    DOCS = "docs"


CONTENTS: tuple[str, ...] = tuple(c.value for c in Content)


def content_of(path: str, language: str) -> Content:
    """Tests (test files, test directories, fixtures), docs (prose files, changelogs, doc
    directories), else code."""
    found = traits(path, language)
    if TEST in found or FIXTURE in found:
        return Content.TESTS
    if DOC in found and (_prose(path, language) or EXAMPLE not in found):
        return Content.DOCS
    return Content.CODE
