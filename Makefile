# The two commands a newcomer needs: `make serve` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/compliance: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/compliance

.PHONY: install serve test bench
install: $(BIN)/compliance

serve: install
	$(BIN)/compliance serve --demo

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench
