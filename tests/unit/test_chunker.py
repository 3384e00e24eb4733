"""Tests for the syntax-aware chunker.

Every language gets a small realistic file; a low `max_lines` forces classes to be cut into their
header and methods so that names, kinds, containers and exact line ranges are all visible.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arama.engine.chunker import chunk_source
from arama.engine.records import Chunk
from arama.engine.records import SymbolKind as K

Row = tuple[int, int, str | None, K | None, str | None]


def rows(chunks: list[Chunk]) -> list[Row]:
    return [(c.start_line, c.end_line, c.symbol, c.kind, c.container) for c in chunks]


def assert_well_formed(
    text: str, chunks: list[Chunk], max_chars: int = 800, max_lines: int = 40
) -> None:
    """The contract every chunk list must honour, whatever the input."""
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    starts = [c.start_line for c in chunks]
    assert starts == sorted(starts)
    for c in chunks:
        assert 0 <= c.start_line <= c.end_line < len(lines)
        assert c.end_line - c.start_line + 1 <= max_lines
        assert 0 < len(c.text) <= max_chars
        assert c.text.strip()
        exact = "\n".join(lines[c.start_line : c.end_line + 1])
        if c.start_line == c.end_line and len(exact) > max_chars:
            assert c.text == exact.lstrip()[:max_chars]
        else:
            assert c.text == exact


PY = '''\
"""Reading files."""
import os

CACHE: dict[str, str] = {}


# Caches file contents.
@dataclass(frozen=True)
class Reader:
    """Reads files from a root."""

    root: str

    def __init__(self, root):
        self.root = root

    @staticmethod
    def read(path):
        """Return the text."""
        with open(path) as handle:
            return handle.read()


def main():
    return Reader(".").read("x")
'''

JS = """\
import fs from "fs";

// Loads settings from disk.
class Loader extends Base {
  constructor(path) {
    super();
    this.path = path;
  }

  load() {
    return fs.readFileSync(this.path, "utf8");
  }
}

const parse = (text) => JSON.parse(text);

export function main() {
  return parse(new Loader("x").load());
}
"""

TS = """\
import { readFileSync } from "fs";

export interface Source {
  load(): string;
}

/** Reads a file. */
export class FileSource implements Source {
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  load(): string {
    return readFileSync(this.path, "utf8");
  }
}

export type Id = string | number;

export enum Color {
  Red,
  Green,
}

export const parse = (text: string): unknown => JSON.parse(text);
"""

TSX = """\
import React from "react";

type Props = { name: string };

// Greets someone.
export const Greeting = ({ name }: Props) => {
  return <h1>Hello {name}</h1>;
};

export class Counter extends React.Component<Props> {
  state = { n: 0 };

  increment = () => {
    this.setState({ n: this.state.n + 1 });
  };

  render() {
    return <button onClick={this.increment}>{this.state.n}</button>;
  }
}
"""

JSX = """\
import React from "react";

// Greets someone.
export const Greeting = ({ name }) => {
  return <h1>Hello {name}</h1>;
};

export default function App() {
  return <Greeting name="world" />;
}
"""

GO = """\
package store

import "fmt"

// Store keeps items in memory.
type Store struct {
	items map[string]int
}

type Getter interface {
	Get(key string) int
}

// Get returns an item.
func (s *Store) Get(key string) int {
	return s.items[key]
}

func New() *Store {
	fmt.Println("new store")
	return &Store{items: map[string]int{}}
}
"""

RUST = """\
use std::fmt;

/// A point on the plane.
#[derive(Debug)]
pub struct Point {
    x: i32,
    y: i32,
}

pub trait Area {
    fn area(&self) -> f64;
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

impl Point {
    pub fn new(x: i32, y: i32) -> Self {
        Point { x, y }
    }

    pub fn norm(&self) -> f64 {
        ((self.x * self.x + self.y * self.y) as f64).sqrt()
    }
}

pub fn origin() -> Point {
    Point::new(0, 0)
}
"""

JAVA = """\
package com.example;

import java.util.List;

/** Says hello. */
public class Greeter implements Speaker {
    private final String name;

    public Greeter(String name) {
        this.name = name;
    }

    @Override
    public String greet() {
        return "Hello, " + name;
    }
}

interface Speaker {
    String greet();
}

enum Level { LOW, HIGH }
"""

C = """\
#include <stdio.h>

/* A point on the plane. */
struct point {
    int x;
    int y;
};

typedef enum { RED, GREEN } color_t;

// Adds two numbers.
static int add(int a, int b) {
    return a + b;
}

char **names(void) {
    return NULL;
}
"""

CPP = """\
#include <string>

namespace geo {

// A polygon.
class Shape {
public:
    explicit Shape(int sides) : sides_(sides) {}
    int sides() const {
        return sides_;
    }
private:
    int sides_;
};

}  // namespace geo

double geo::Shape::area() const {
    return 0.0;
}

template <typename T>
T twice(T value) {
    return value * 2;
}
"""

RUBY = """\
require "json"

# Helpers for files.
module Util
  # Reads one file.
  class Reader
    attr_reader :path

    def initialize(path)
      @path = path
    end

    def read
      File.read(@path)
    end
  end
end

def helper(x)
  x * 2
end
"""

PHP = """\
<?php
namespace App;

/**
 * A user account.
 */
class User extends Model
{
    private string $name;

    public function __construct(string $name)
    {
        $this->name = $name;
    }

    public function name(): string
    {
        return $this->name;
    }
}

function helper($x)
{
    return $x;
}
"""

CSHARP = """\
using System;

namespace Shop
{
    /// <summary>An order.</summary>
    public class Order
    {
        public int Id { get; set; }

        public Order(int id)
        {
            Id = id;
        }

        public decimal Total()
        {
            return 0m;
        }
    }
}
"""

KOTLIN = """\
package shop

/** An order. */
class Order(val id: Int) {
    constructor(text: String) : this(text.length)

    fun total(): Int {
        return id * 2
    }
}

interface Named {
    fun name(): String
}

fun helper(x: Int): Int = x
"""

# (start_line, end_line, symbol, kind, container) with max_lines=6
EXPECTED: dict[str, tuple[str, list[Row]]] = {
    "python": (
        PY,
        [
            (0, 3, None, None, None),
            (6, 11, "Reader", K.CLASS, None),
            (13, 14, "__init__", K.CONSTRUCTOR, "Reader"),
            (16, 20, "read", K.METHOD, "Reader"),
            (23, 24, "main", K.FUNCTION, None),
        ],
    ),
    "javascript": (
        JS,
        [
            (0, 0, None, None, None),
            (2, 3, "Loader", K.CLASS, None),
            (4, 7, "constructor", K.CONSTRUCTOR, "Loader"),
            (9, 11, "load", K.METHOD, "Loader"),
            (14, 14, "parse", K.FUNCTION, None),
            (16, 18, "main", K.FUNCTION, None),
        ],
    ),
    "typescript": (
        TS,
        [
            (0, 0, None, None, None),
            (2, 4, "Source", K.INTERFACE, None),
            (6, 8, "FileSource", K.CLASS, None),
            (10, 12, "constructor", K.CONSTRUCTOR, "FileSource"),
            (14, 16, "load", K.METHOD, "FileSource"),
            (19, 19, "Id", K.TYPE_PARAMETER, None),
            (21, 24, "Color", K.ENUM, None),
            (26, 26, "parse", K.FUNCTION, None),
        ],
    ),
    "typescriptreact": (
        TSX,
        [
            (0, 0, None, None, None),
            (2, 2, "Props", K.TYPE_PARAMETER, None),
            (4, 7, "Greeting", K.FUNCTION, None),
            (9, 10, "Counter", K.CLASS, None),
            (12, 14, "increment", K.METHOD, "Counter"),
            (16, 18, "render", K.METHOD, "Counter"),
        ],
    ),
    "javascriptreact": (
        JSX,
        [
            (0, 0, None, None, None),
            (2, 5, "Greeting", K.FUNCTION, None),
            (7, 9, "App", K.FUNCTION, None),
        ],
    ),
    "go": (
        GO,
        [
            (0, 2, None, None, None),
            (4, 7, "Store", K.STRUCT, None),
            (9, 11, "Getter", K.INTERFACE, None),
            (13, 16, "Get", K.METHOD, "Store"),
            (18, 21, "New", K.FUNCTION, None),
        ],
    ),
    "rust": (
        RUST,
        [
            (0, 0, None, None, None),
            (2, 7, "Point", K.STRUCT, None),
            (9, 11, "Area", K.INTERFACE, None),
            (13, 13, "Point", K.CLASS, None),
            (14, 16, "fmt", K.METHOD, "Point"),
            (19, 19, "Point", K.CLASS, None),
            (20, 22, "new", K.METHOD, "Point"),
            (24, 26, "norm", K.METHOD, "Point"),
            (29, 31, "origin", K.FUNCTION, None),
        ],
    ),
    "java": (
        JAVA,
        [
            (0, 2, None, None, None),
            (4, 6, "Greeter", K.CLASS, None),
            (8, 10, "Greeter", K.CONSTRUCTOR, "Greeter"),
            (12, 15, "greet", K.METHOD, "Greeter"),
            (18, 20, "Speaker", K.INTERFACE, None),
            (22, 22, "Level", K.ENUM, None),
        ],
    ),
    "c": (
        C,
        [
            (0, 0, None, None, None),
            (2, 6, "point", K.STRUCT, None),
            (8, 8, "color_t", K.ENUM, None),
            (10, 13, "add", K.FUNCTION, None),
            (15, 17, "names", K.FUNCTION, None),
        ],
    ),
    "cpp": (
        CPP,
        [
            (0, 0, None, None, None),
            (2, 2, "geo", K.NAMESPACE, None),
            (4, 6, "Shape", K.CLASS, "geo"),
            (7, 7, "Shape", K.CONSTRUCTOR, "Shape"),
            (8, 10, "sides", K.METHOD, "Shape"),
            (11, 13, "Shape", K.CLASS, "geo"),
            (17, 19, "area", K.METHOD, "Shape"),
            (21, 24, "twice", K.FUNCTION, None),
        ],
    ),
    "ruby": (
        RUBY,
        [
            (0, 0, None, None, None),
            (2, 3, "Util", K.MODULE, None),
            (4, 6, "Reader", K.CLASS, "Util"),
            (8, 10, "initialize", K.CONSTRUCTOR, "Reader"),
            (12, 14, "read", K.METHOD, "Reader"),
            (18, 20, "helper", K.FUNCTION, None),
        ],
    ),
    "php": (
        PHP,
        [
            (0, 1, None, None, None),
            (3, 8, "User", K.CLASS, None),
            (10, 13, "__construct", K.CONSTRUCTOR, "User"),
            (15, 18, "name", K.METHOD, "User"),
            (21, 24, "helper", K.FUNCTION, None),
        ],
    ),
    "csharp": (
        CSHARP,
        [
            (0, 0, None, None, None),
            (2, 3, "Shop", K.NAMESPACE, None),
            (4, 7, "Order", K.CLASS, "Shop"),
            (9, 12, "Order", K.CONSTRUCTOR, "Order"),
            (14, 17, "Total", K.METHOD, "Order"),
        ],
    ),
    "kotlin": (
        KOTLIN,
        [
            (0, 0, None, None, None),
            (2, 3, "Order", K.CLASS, None),
            (4, 4, "constructor", K.CONSTRUCTOR, "Order"),
            (6, 8, "total", K.METHOD, "Order"),
            (11, 13, "Named", K.INTERFACE, None),
            (15, 15, "helper", K.FUNCTION, None),
        ],
    ),
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_definitions_per_language(language: str) -> None:
    source, expected = EXPECTED[language]
    chunks = chunk_source(source, language, max_lines=6)
    assert rows(chunks) == expected
    assert_well_formed(source, chunks, max_lines=6)


def test_small_file_keeps_each_function_whole_and_cuts_classes_at_methods() -> None:
    chunks = chunk_source(PY, "python")
    assert rows(chunks) == [
        (0, 3, None, None, None),
        (6, 11, "Reader", K.CLASS, None),
        (13, 14, "__init__", K.CONSTRUCTOR, "Reader"),
        (16, 20, "read", K.METHOD, "Reader"),
        (23, 24, "main", K.FUNCTION, None),
    ]
    assert_well_formed(PY, chunks)


def test_python_decorators_docstring_and_leading_comment_stay_with_the_class() -> None:
    reader = next(c for c in chunk_source(PY, "python") if c.symbol == "Reader")
    assert reader.text.startswith("# Caches file contents.\n@dataclass(frozen=True)\nclass Reader:")
    assert '"""Reads files from a root."""' in reader.text
    read = next(c for c in chunk_source(PY, "python", max_lines=6) if c.symbol == "read")
    assert read.text.startswith("    @staticmethod\n    def read(path):")
    assert '"""Return the text."""' in read.text


def test_comment_separated_by_a_blank_line_is_not_attached() -> None:
    source = "import os\n\n# Section: helpers.\n\ndef f():\n    return 1\n"
    assert rows(chunk_source(source, "python")) == [
        (0, 2, None, None, None),
        (4, 5, "f", K.FUNCTION, None),
    ]


EXPRESS_STYLE = """\
'use strict';

/**
 * Set the Content-Disposition header to attachment.
 *
 * @param {String} filename
 * @public
 */

res.attachment = function attachment(filename) {
  return this.set('Content-Disposition', filename);
};

Router.prototype.route = function(path) {
  return new Route(path);
};

exports.compile = (value) => value;

module.exports = function createApplication() {
  return app;
};

self.conflicting = function conflicting(argv) {
  return argv;
};

/* a plain comment, one blank line above */

res.total = 3;
app.count = 0;
"""


@pytest.mark.parametrize("language", ["javascript", "typescript"])
def test_functions_assigned_to_properties_are_definitions(language: str) -> None:
    """Express's `res.x = function x()`, prototype methods, exports: how JavaScript written
    before classes defines its API. A JSDoc block one blank line above belongs to it; a plain
    comment does not, and assigning a value is no definition."""
    chunks = chunk_source(EXPRESS_STYLE, language, max_lines=12)
    assert rows(chunks) == [
        (0, 0, None, None, None),
        (2, 11, "attachment", K.METHOD, "res"),
        (13, 15, "route", K.METHOD, "Router"),
        (17, 17, "compile", K.FUNCTION, None),
        (19, 21, "createApplication", K.FUNCTION, None),
        (23, 25, "conflicting", K.METHOD, None),
        (27, 30, None, None, None),
    ]
    assert chunks[1].text.startswith("/**\n * Set the Content-Disposition header")
    assert_well_formed(EXPRESS_STYLE, chunks, max_lines=12)


GETTERS_STYLE = """\
/**
 * Return the remote address.
 */

defineGetter(req, 'ip', function ip(){
  return this.socket.remoteAddress;
});

defineGetter(req, 'fresh', function(){
  return this.status === 304;
});

app.use(function logger(req, res, next) {
  next();
});

app.get('/', (req, res) => {
  res.send('hi');
});

Object.defineProperty(exports, 'version', () => {
  return 1;
});
"""


@pytest.mark.parametrize("language", ["javascript", "typescript"])
def test_named_functions_passed_to_calls_are_definitions(language: str) -> None:
    """Express defines `req.ip` as `defineGetter(req, 'ip', function ip() {...})`: a method of
    `req`, named by its own name or, when it has none, by the string naming the property. A
    named middleware is a function; an anonymous route handler stays in the code around it,
    and so does a property of the module's exports."""
    chunks = chunk_source(GETTERS_STYLE, language, max_lines=12)
    named = [(c.symbol, c.kind, c.container) for c in chunks if c.symbol]
    assert named == [
        ("ip", K.METHOD, "req"),
        ("fresh", K.METHOD, "req"),
        ("logger", K.FUNCTION, None),
    ]
    assert chunks[0].text.startswith("/**\n * Return the remote address.")
    assert_well_formed(GETTERS_STYLE, chunks, max_lines=12)


OVERLOADS = """\
/** Compiles a schema. */
export function Compile<T>(schema: T): Check<T>

export function Compile<T>(schema: T, references: T[]): Check<T>
export function Compile(...args: unknown[]): unknown {
  return build(args)
}

export declare function lone(): void
export function other(): number {
  return 2
}

export class Value {
  /** The typed forms, one blank line above them. */

  Cast(schema: string): string;
  Cast(schema: number): number;
  Cast(schema: unknown): unknown {
    return schema
  }
  Clean(): void;
  Clone(value: unknown): unknown {
    return value
  }
}
"""


@pytest.mark.parametrize("language", ["typescript", "typescriptreact"])
def test_overload_signatures_belong_to_their_implementation(language: str) -> None:
    """TypeScript's overloads are the typed forms of the function below them (its own
    signature is often `(...args: unknown[])`): one definition, doc comment first, blank lines
    between the overloads allowed (TypeBox writes them so). A signature
    of another name (a declared function, an abstract-like method) stays where it is."""
    chunks = chunk_source(OVERLOADS, language)
    assert [(c.start_line, c.end_line, c.symbol, c.container) for c in chunks if c.symbol] == [
        (0, 6, "Compile", None),
        (9, 11, "other", None),
        (13, 13, "Value", None),
        (14, 20, "Cast", "Value"),
        (21, 21, "Value", None),  # `Clean(): void` names no method below it
        (22, 24, "Clone", "Value"),
    ]
    assert [c.symbol for c in chunks if c.start_line == 8] == [None]  # `lone` stays top-level
    assert_well_formed(OVERLOADS, chunks)


GO_FUNCTION_VARIABLES = """\
package handlers

// Health answers the load balancer.
var Health = func(w http.ResponseWriter, r *http.Request) {
\tw.WriteHeader(200)
}

var (
\tfirst  = func() int { return 1 }
\tsecond = func(s string) string {
\t\treturn s
\t}
\tlimit  = 10
)

var timeout, retries = 5, 3
"""


def test_go_variables_holding_function_literals_are_definitions() -> None:
    """`var Health = func(...) {...}` is how Go code often defines handlers and hooks:
    `workspace/symbol` and the search channels find it by name. Other variables stay
    top-level code."""
    chunks = chunk_source(GO_FUNCTION_VARIABLES, "go")
    named = [(c.start_line, c.end_line, c.symbol, c.kind) for c in chunks if c.symbol]
    assert named == [
        (2, 5, "Health", K.FUNCTION),
        (8, 8, "first", K.FUNCTION),
        (9, 11, "second", K.FUNCTION),
    ]
    assert_well_formed(GO_FUNCTION_VARIABLES, chunks)


def test_jsdoc_two_blank_lines_above_is_not_attached() -> None:
    source = "/** Helpers. */\n\n\nfunction f() {\n  return 1;\n}\n"
    assert rows(chunk_source(source, "javascript")) == [
        (0, 0, None, None, None),
        (3, 5, "f", K.FUNCTION, None),
    ]


def test_long_function_is_split_into_overlapping_windows_with_one_name() -> None:
    body = "".join(f"    total += compute_value_{i}(argument_{i}, other_{i})\n" for i in range(120))
    source = f"def big(x):\n    total = 0\n{body}    return total\n"
    chunks = chunk_source(source, "python")
    assert len(chunks) > 3
    assert {(c.symbol, c.kind, c.container) for c in chunks} == {("big", K.FUNCTION, None)}
    assert chunks[0].start_line == 0
    assert chunks[-1].end_line == 122
    for before, after in itertools.pairwise(chunks):
        assert before.end_line - 1 <= after.start_line <= before.end_line - 1  # 2 lines overlap
    assert_well_formed(source, chunks)


def test_long_lines_respect_the_character_limit() -> None:
    line = "  const value = " + " + ".join(f"item{i}" for i in range(40)) + ";\n"
    source = "function wide() {\n" + line * 30 + "}\n"
    chunks = chunk_source(source, "javascript")
    assert all(len(c.text) <= 800 for c in chunks)
    assert {c.symbol for c in chunks} == {"wide"}
    covered = set()
    for c in chunks:
        covered.update(range(c.start_line, c.end_line + 1))
    assert covered >= set(range(0, 31))
    assert_well_formed(source, chunks)


def test_overlong_single_line_becomes_its_own_cut_chunk() -> None:
    source = "def f():\n    x = 1\n    data = '" + "a" * 5000 + "'\n    return data\n"
    chunks = chunk_source(source, "python")
    assert all(c.symbol == "f" for c in chunks)
    overlong = [c for c in chunks if c.start_line == c.end_line == 2]
    assert len(overlong) == 1
    assert overlong[0].text == source.split("\n")[2].lstrip()[:800]  # indentation dropped
    assert_well_formed(source, chunks)


def test_nested_definitions_keep_their_container() -> None:
    filler = "".join(f"    step_{i} = work({i})\n" for i in range(8))
    source = f"def outer():\n{filler}    def inner():\n        return 1\n    return inner()\n"
    assert rows(chunk_source(source, "python", max_lines=6)) == [
        (0, 5, "outer", K.FUNCTION, None),
        (4, 8, "outer", K.FUNCTION, None),
        (9, 10, "inner", K.FUNCTION, "outer"),
        (11, 11, "outer", K.FUNCTION, None),
    ]


def test_top_level_code_is_grouped_and_blank_regions_skipped() -> None:
    source = "import os\nimport sys\n\n\n\nVALUE = 1\n\n\ndef f():\n    pass\n\n\n"
    assert rows(chunk_source(source, "python")) == [
        (0, 5, None, None, None),
        (8, 9, "f", K.FUNCTION, None),
    ]


def test_closing_braces_alone_make_no_chunk() -> None:
    method = "".join(f"    void m{i}() {{\n        run({i});\n    }}\n" for i in range(3))
    source = "class Big {\n" + method + "}\n"
    chunks = chunk_source(source, "java", max_lines=4)
    assert rows(chunks) == [
        (0, 0, "Big", K.CLASS, None),
        (1, 3, "m0", K.METHOD, "Big"),
        (4, 6, "m1", K.METHOD, "Big"),
        (7, 9, "m2", K.METHOD, "Big"),
    ]


def test_turkish_identifiers_and_comments_survive() -> None:
    source = (
        "class Çalışan:\n"
        "    def maaş_hesapla(self):\n"
        "        return 1\n"
        "\n"
        "\n"
        "def dosya_oku(yol):  # Türkçe açıklama: çalışma\n"
        "    return open(yol).read()\n"
    )
    chunks = chunk_source(source, "python")
    assert rows(chunks) == [
        (0, 0, "Çalışan", K.CLASS, None),
        (1, 2, "maaş_hesapla", K.METHOD, "Çalışan"),
        (5, 6, "dosya_oku", K.FUNCTION, None),
    ]
    assert "Türkçe açıklama: çalışma" in chunks[2].text
    split = chunk_source(source, "python", max_lines=2)
    assert (1, 2, "maaş_hesapla", K.METHOD, "Çalışan") in rows(split)


def test_crlf_line_endings_are_not_part_of_the_text() -> None:
    source = "import os\r\n\r\ndef f():\r\n    return 1\r\n"
    chunks = chunk_source(source, "python")
    assert rows(chunks) == [(0, 0, None, None, None), (2, 3, "f", K.FUNCTION, None)]
    assert chunks[1].text == "def f():\n    return 1"


def test_markdown_chunks_start_at_headings() -> None:
    source = (
        "Intro text.\n"
        "\n"
        "# Install\n"
        "Run the installer.\n"
        "\n"
        "```sh\n"
        "# not a heading\n"
        "make install\n"
        "```\n"
        "## Usage ##\n"
        "Call it.\n"
    )
    assert rows(chunk_source(source, "markdown")) == [
        (0, 0, None, None, None),
        (2, 8, "Install", None, None),
        (9, 10, "Usage", None, None),
    ]


def test_plaintext_uses_overlapping_windows() -> None:
    source = "\n".join(f"line number {i}" for i in range(100))
    chunks = chunk_source(source, "plaintext")
    assert [(c.start_line, c.end_line) for c in chunks] == [(0, 39), (38, 77), (76, 99)]
    assert {(c.symbol, c.kind) for c in chunks} == {(None, None)}
    assert_well_formed(source, chunks)


def test_languages_without_grammar_fall_back_to_windows() -> None:
    source = "name: arama\nversion: 1\n"
    assert rows(chunk_source(source, "yaml")) == [(0, 1, None, None, None)]


@pytest.mark.parametrize("language", ["python", "javascript", "markdown", "plaintext", "rust"])
def test_empty_and_blank_input(language: str) -> None:
    assert chunk_source("", language) == []
    assert chunk_source("\n\n   \n\t\n", language) == []


def test_broken_syntax_still_chunks() -> None:
    source = "def broken(:\n    ))) = [\nclass\n" * 20
    chunks = chunk_source(source, "python")
    assert chunks
    assert_well_formed(source, chunks)


@pytest.mark.parametrize("language", ["python", "javascript", "plaintext"])
def test_five_mebibyte_single_line_is_fast(language: str) -> None:
    source = "x" * (5 * 1024 * 1024)
    began = time.monotonic()
    chunks = chunk_source(source, language)
    assert time.monotonic() - began < 5
    assert rows(chunks) == [(0, 0, None, None, None)]
    assert chunks[0].text == "x" * 800


def test_minified_javascript_is_fast() -> None:
    """Fast in CPU time, what the parse budget bounds (on a shared machine the wall clock also
    counts the other processes' turns)."""
    source = "function f(a){return a+1};var g=function(){return 2};" * 15000
    began = time.thread_time()
    chunks = chunk_source(source, "javascript")
    assert time.thread_time() - began < 5
    assert len(chunks) == 1
    assert_well_formed(source, chunks)


@pytest.mark.parametrize(
    ("language", "source"),
    [
        ("javascript", "const x = " + "[" * 10_000 + "]" * 10_000 + ";\n"),
        ("javascript", "function f() {\n" + "{" * 10_000 + "}" * 10_000 + "\n}\n"),
        ("python", "x = " + "(" * 10_000 + ")" * 10_000 + "\n"),
        ("python", "x = " + "[" * 10_000 + "\n"),
        ("python", "".join("    " * i + f"def f{i}():\n" for i in range(1000)) + "    pass\n"),
    ],
)
def test_deep_nesting_neither_crashes_nor_hangs(language: str, source: str) -> None:
    began = time.monotonic()
    chunks = chunk_source(source, language)
    assert time.monotonic() - began < 5
    assert chunks
    assert_well_formed(source, chunks)


def test_deeply_nested_functions_are_found_without_recursion() -> None:
    depth = 3000
    source = "function f() {\n" * depth + "return 1;\n" + "}\n" * depth
    chunks = chunk_source(source, "javascript")
    assert all(c.symbol == "f" for c in chunks)
    assert_well_formed(source, chunks)


def test_threads_get_the_same_answer() -> None:
    results: list[list[Chunk]] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(20):
            found = chunk_source(TS, "typescript", max_lines=6)
            with lock:
                results.append(found)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80
    assert all(result == results[0] for result in results)


@settings(max_examples=150, deadline=None, database=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("def class(){}[]:;=\n\r\t #/*\"'ab_çğ1")), max_size=400
    ),
    language=st.sampled_from(["python", "javascript", "cpp", "ruby", "markdown", "plaintext"]),
    max_chars=st.integers(min_value=1, max_value=120),
    max_lines=st.integers(min_value=1, max_value=8),
    overlap=st.integers(min_value=0, max_value=4),
)
def test_any_text_gives_well_formed_chunks(
    text: str, language: str, max_chars: int, max_lines: int, overlap: int
) -> None:
    chunks = chunk_source(
        text, language, max_chars=max_chars, max_lines=max_lines, overlap_lines=overlap
    )
    assert_well_formed(text, chunks, max_chars=max_chars, max_lines=max_lines)


def test_a_loaded_machine_chunks_like_a_quiet_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse budget is the parsing thread's CPU time: wall-clock time lost to other
    processes (simulated: the monotonic clock leaps a minute at every look) must not turn a
    file's definitions into line windows, or its texts would miss the caches keyed by text."""
    import itertools
    import time

    quiet = rows(chunk_source(PY, "python", max_lines=6))
    ticks = itertools.count()
    monkeypatch.setattr(time, "monotonic", lambda: next(ticks) * 60.0)
    assert rows(chunk_source(PY, "python", max_lines=6)) == quiet
    assert any(symbol for _, _, symbol, _, _ in quiet)
