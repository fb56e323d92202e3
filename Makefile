# Heurist — `make run` starts the app with the demo projects; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes side by side (pytest-xdist): most tests wait on servers, workers, sandboxes.
TEST_PROCESSES ?= 2

UI := frontend
UI_DEPS := $(UI)/node_modules/.package-lock.json
UI_SOURCES := $(shell find $(UI)/src $(UI)/public -type f 2>/dev/null) $(UI)/index.html \
	$(UI)/package.json $(UI)/vite.config.ts $(UI)/tsconfig.json

.PHONY: setup system system-test ui run test lint bench services clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

system:
	./scripts/system-deps.sh

system-test:
	./scripts/system-deps.sh --test

# The web UI: dependencies from the committed lock file, rebuilt only when its sources change.
$(UI_DEPS): $(UI)/package-lock.json
	cd $(UI) && npm ci --no-audit --no-fund

$(UI)/dist/index.html: $(UI_DEPS) $(UI_SOURCES)
	cd $(UI) && npm run build

ui: $(UI)/dist/index.html

run: setup system ui
	$(BIN)/heurist up

services:
	./scripts/services.sh

lint: setup
	$(BIN)/ruff check .

test: setup system-test services lint ui
	cd $(UI) && npm test
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist loadgroup

bench: setup services
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/embed_bench.py
	$(BIN)/python bench/lf_bench.py
	$(BIN)/python bench/stats_bench.py
	$(BIN)/python bench/learner_bench.py
	$(BIN)/python bench/conll_bench.py
	$(BIN)/python bench/span_bench.py
	$(BIN)/python bench/ws_quality.py
	$(BIN)/python bench/span_rules_bench.py
	$(BIN)/python bench/multilabel_rules_bench.py
	$(BIN)/python bench/bulk_label_bench.py
	$(BIN)/python bench/lookup_follow_bench.py
	$(BIN)/python bench/term_suggestions_bench.py
	$(BIN)/python bench/computed_attribute_bench.py
	$(BIN)/python bench/delete_bench.py
	$(BIN)/python bench/edit_bench.py
	$(BIN)/python bench/agreement_bench.py
	$(BIN)/python bench/values_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(UI)/node_modules $(UI)/dist
