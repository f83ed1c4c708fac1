# tokenmart — `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

AXE := tests/browser/axe/node_modules/axe-core/axe.min.js

.PHONY: help install run test test-sqlite test-postgres lint loadtest demo clean screenshots chaos fuzz

help:  ## Show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/flask: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/flask

install: $(BIN)/flask  ## Create .venv and install pinned dependencies

# axe-core (npm) for the browser tests' accessibility checks; test-only, never served.
$(AXE): tests/browser/axe/package.json
	npm install --prefix tests/browser/axe --no-audit --no-fund --silent
	touch $(AXE)

run: install  ## Install, create the SQLite database with demo data, serve on :5000 with the scheduler
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo
	$(BIN)/flask --app wsgi serve --host 127.0.0.1 --port 5000

test: install $(AXE)  ## Install, lint, run the suite on SQLite and on PostgreSQL (TOKENMART_TEST_DATABASE_URL)
	PATH="$(abspath $(BIN)):$$PATH" scripts/test.sh

lint: install  ## ruff
	$(BIN)/ruff check .

loadtest: install  ## Redemption benchmark (PostgreSQL + SQLite) with the ledger audit
	loadtests/bench.sh

fuzz: install  ## schemathesis against the live OpenAPI document, as a user and an admin; fails on any 5xx or mismatch
	PATH="$(abspath $(BIN)):$$PATH" scripts/fuzz.sh

chaos: install  ## Bank test with a nemesis on a private PostgreSQL, then the audit (CHAOS_SECONDS=60)
	$(BIN)/python -m loadtests.chaos --fail-on-500 --seconds $(or $(CHAOS_SECONDS),60)

screenshots: install  ## Every main page at 390 and 1280 px, English and Chinese, into artifacts/screenshots/
	$(BIN)/python scripts/screenshots.py

clean:  ## Remove the virtualenv and local databases
	rm -rf $(VENV) instance/*.db instance/*.db-*
