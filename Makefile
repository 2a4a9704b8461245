# Two entry points a newcomer needs: `make run` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs fuzz clean web

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The web page (web/, served by `peaceforce serve` at /): built with Vite from the npm
# registry only (npm ci from the committed lock, no install scripts, no browser download).
WEB_BUILT := src/peaceforce/server/web_dist/index.html
WEB_SOURCES := web/package.json web/package-lock.json web/index.html web/vite.config.js \
	$(wildcard web/src/*)

$(WEB_BUILT): $(WEB_SOURCES)
	cd web && npm ci --ignore-scripts --no-audit --no-fund && npx --no-install vite build

web: $(WEB_BUILT)

run: $(STAMP) $(WEB_BUILT)
	$(BIN)/peaceforce plan

test: $(STAMP) $(WEB_BUILT)
	$(BIN)/python -m pytest -q

# Coverage-guided fuzzing of every reader with atheris (docs/robustness.md records a run).
# FUZZ_RUNS inputs per reader (13 readers; the whole-scenario and workbook ones run a tenth).
FUZZ_RUNS ?= 10000
fuzz: $(STAMP)
	$(BIN)/python tools/fuzz.py --runs $(FUZZ_RUNS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

# Paste every command's --help into docs/cli.md (a test fails when it is stale).
docs: $(STAMP)
	$(BIN)/python tools/cli_docs.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache web/node_modules \
		src/peaceforce/server/web_dist
