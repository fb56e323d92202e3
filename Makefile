# Heurist — `make run` starts the app with the demo projects; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system run test lint bench services clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

system:
	./scripts/system-deps.sh

run: setup system
	$(BIN)/heurist-server

services:
	./scripts/services.sh

lint: setup
	$(BIN)/ruff check .

test: setup system services lint
	$(BIN)/pytest -q

bench: setup services
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/embed_bench.py
	$(BIN)/python bench/lf_bench.py
	$(BIN)/python bench/stats_bench.py
	$(BIN)/python bench/learner_bench.py
	$(BIN)/python bench/conll_bench.py
	$(BIN)/python bench/span_bench.py
	$(BIN)/python bench/ws_quality.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
