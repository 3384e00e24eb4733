# Two entry points: `make demo` (index this repository and search it) and `make test`.
# Both create .venv on first use: torch==2.13.0 (CPU) is installed first, on its own, because an
# unpinned resolve pulls a multi-GB CUDA build; then the project with its dev extras.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.arama-installed
DEMO_QUERY ?= where are embeddings cached on disk by content hash
# The repository's own tests, benchmarks and this Makefile quote sample queries word for word;
# the demo searches the server's code, which also shows a path filter at work.
DEMO_SCOPE ?= server/**

.PHONY: demo test lint unit e2e env clean dist

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/arama index .
	$(BIN)/arama search --no-update "$(DEMO_QUERY)" --glob '$(DEMO_SCOPE)' --limit 5

lint: $(STAMP)
	$(BIN)/ruff check server tests $(wildcard benchmarks)
	$(BIN)/ruff format --check server tests $(wildcard benchmarks)
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25 tests

# The release artifacts in dist/: the wheel and sdist (the wheel checked in a fresh venv:
# `arama --version`) and the VS Code extension's .vsix. DIST_CHECK=none skips the fresh venv.
dist:
	PYTHON=$(PYTHON) scripts/dist.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache build dist
