# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run lint test test-sqlite test-postgres browser bench fuzz load mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes; the stamp files remember what was installed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# The demo prints a table of accounts to sign in with. The scheduler (review sweeps, notifications)
# runs beside the server with its log in instance/scheduler.log, so that "Serving on" is the last
# line before the server's own.
run: export TASKING_ENV = development
run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask tasking seed
	$(BIN)/flask tasking demo
	@mkdir -p instance
	@$(BIN)/flask tasking scheduler > instance/scheduler.log 2>&1 & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	echo ""; \
	echo "The scheduler (review sweeps, notifications) runs beside the server: its log is instance/scheduler.log."; \
	echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops both)"; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The conventions first (style, import contracts, types), then the suite on both databases at once
# (two processes, one per core; each run's output is printed whole when it ends). A lint failure
# stops the run before pytest; either suite failing fails make test.
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Style and likely bugs (ruff), formatting (ruff format; checked, never rewritten here), the import
# contracts of the Architecture section (lint-imports) and types in domain and services (mypy).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

browser:
	bash scripts/ensure-chromium

test-sqlite: $(VENV)/.installed-test browser
	@echo "=== test run 1 of 2: database SQLite (temporary file) ==="
	TASKING_TEST_REDIS_URL="$$(bash scripts/test-redis)" TASKING_TEST_DATABASE_URL= $(BIN)/python -m pytest

test-postgres: $(VENV)/.installed-test browser
	@echo "=== test run 2 of 2: database PostgreSQL (server started by scripts/test-postgres) ==="
	TASKING_TEST_REDIS_URL="$$(bash scripts/test-redis)" TASKING_TEST_DATABASE_URL="$$(bash scripts/test-postgres)" $(BIN)/python -m pytest

# Contract fuzzing at length (the bounded run is part of make test): fresh randomness each time.
fuzz: export CONTRACT_EXAMPLES ?= 60
fuzz: export CONTRACT_RANDOM = 1
fuzz: $(VENV)/.installed-test
	TASKING_TEST_DATABASE_URL="$$(bash scripts/test-postgres)" $(BIN)/python -m pytest tests/test_api_contract.py

# The 60-second load test on loopback (issue 9): locust against gunicorn on PostgreSQL; figures to bench/RESULTS.md.
# Its database is tasking_load, made by scripts/bench-postgres (which drops only databases it made).
$(VENV)/.installed-load: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[load]"
	touch $@

load: $(VENV)/.installed-load
	$(BIN)/python -m bench.load

# Mutation testing of the domain rules (issue 16): mutmut mutates tasking/domain and runs the domain
# tests against each mutant ([tool.mutmut] in pyproject.toml); never part of make test. A fresh run
# each time, since mutmut keeps old verdicts when only the tests change. The report gives the score
# over the mutants that change behaviour (tests/domain/equivalent_mutants.toml lists the rest, with
# why) and fails below 95%.
$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	touch $@

mutation: $(VENV)/.installed-test $(VENV)/.installed-mutation
	rm -rf mutants && mkdir mutants
	@echo "mutmut run: progress in mutants/run.log (a few minutes)"
	$(BIN)/mutmut run > mutants/run.log 2>&1 || { tail -n 40 mutants/run.log; exit 1; }
	$(BIN)/python scripts/mutation_report.py

# Benchmarks (issue 8): run by hand, never part of make test; figures go to bench/RESULTS.md. Their
# PostgreSQL database is tasking_bench, made by scripts/bench-postgres (which drops only databases it made).
# Issue 22's targets (B1-B9 at 1,000,000 cases on PostgreSQL, L1 the load test) are checked in the
# tables they write: each figure with its target and whether it was met.
bench: $(VENV)/.installed-load
	$(BIN)/python -m bench.run --database postgres --cases 1000000
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) instance *.egg-info
