# Two commands for a fresh machine: `make demo` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install dev bench clean

$(BIN)/shoring: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/shoring
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/shoring

dev: $(VENV)/.dev

## Run the whole workflow on a bundled example in a temporary SQLite database.
demo: $(BIN)/shoring
	$(BIN)/shoring demo

## The whole test suite (PostgreSQL and MariaDB tests skip, with a reason, when no server runs).
test: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(BIN)/python bench/apply_overhead.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info
