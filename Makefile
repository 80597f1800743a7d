# egov: `make run` serves the embedded default, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
EGOV   := $(BIN)/egov
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint docs lock bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)  ## install, migrate, create demo org units, deploy bpmn/, serve on 127.0.0.1:8000
	$(EGOV) migrate
	$(EGOV) demo-setup
	$(EGOV) deploy
	$(EGOV) serve

test: $(STAMP) lint  ## the whole suite: lint, types, layering, tests on SQLite and PostgreSQL
	$(BIN)/pytest

lint: $(STAMP)  ## ruff, mypy (strict on egov/) and the import-linter layering contracts
	$(BIN)/ruff check egov tests bpmn
	$(BIN)/mypy
	$(BIN)/lint-imports

docs: $(STAMP)  ## regenerate docs/configuration.md and docs/errors.md from the code
	$(EGOV) config-docs > docs/configuration.md
	$(EGOV) error-docs > docs/errors.md

lock: $(STAMP)  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --output-file requirements.lock pyproject.toml

bench: $(STAMP)  ## print the benchmark figures (benchmarks/)
	$(BIN)/python benchmarks/long_lived_case.py
	$(BIN)/python benchmarks/intake_throughput.py
	$(BIN)/python benchmarks/script_sandbox.py

clean:  ## remove the venv and local data
	rm -rf $(VENV) var
