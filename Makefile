# seabot — the two commands a newcomer needs: `make run` and `make test` (`make lint` before a commit).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.toml
BOT ?= demo-shop

.PHONY: run test lint chat bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/seabot serve --config $(CONFIG)

test: $(STAMP)
	$(BIN)/python -m pytest

# ruff and mypy as configured in pyproject.toml; mypy checks what [tool.mypy] files lists (seabot/).
LINT_PATHS := seabot tests bench tools
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

chat: $(STAMP)
	$(BIN)/seabot chat --config $(CONFIG) --bot $(BOT)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info seabot.egg-info
