# Two entry points a newcomer needs: `make run` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs fuzz clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/peaceforce plan

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The readers' fuzz properties with many examples each (docs/robustness.md records a run).
# FUZZ_EXAMPLES inputs per property; the scenario-folder property runs a tenth of that.
FUZZ_EXAMPLES ?= 10000
fuzz: $(STAMP)
	PEACEFORCE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
		--timeout=14400 --hypothesis-show-statistics tests/test_fuzz_readers.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

# Paste every command's --help into docs/cli.md (a test fails when it is stale).
docs: $(STAMP)
	$(BIN)/python tools/cli_docs.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
