# Two commands on a fresh machine: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# GraphiQL's scripts and styles, fetched with npm and checked (server/graphiql.py).
GRAPHIQL := vendor/graphiql/.complete

.PHONY: run test lint typecheck check schema screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(GRAPHIQL): $(STAMP)
	$(BIN)/python -m server.graphiql

run: $(STAMP) $(GRAPHIQL)
	$(BIN)/burnrate demo

test: $(STAMP) $(GRAPHIQL)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

screenshots: $(STAMP) $(GRAPHIQL)
	BURNRATE_SCREENSHOTS=commit $(BIN)/python -m pytest -q tests/test_page_demo.py tests/test_page_view.py

schema: $(STAMP)
	$(BIN)/burnrate schema > schema.graphql

clean:
	rm -rf $(VENV) vendor .pytest_cache .mypy_cache .ruff_cache .hypothesis
