# golfshots: `make run` serves the embedded default, `make test` runs the whole suite.
# GNU make. Everything installs into .venv; stamp files inside it re-run pip
# only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev
PIP := $(BIN)/python -m pip --disable-pip-version-check
ARGS ?=

# Only `make test` and `make check-deploy` see these; `make run` stays on the
# embedded default (SQLite, local-memory cache, eager Celery) unless the
# caller's own environment says otherwise.
TEST_DATABASE_URL := postgres://postgres@127.0.0.1:5432/golfshots
TEST_REDIS_URL := redis://127.0.0.1:6379/15
test check-deploy: export DATABASE_URL ?= $(TEST_DATABASE_URL)
test check-deploy: export REDIS_URL ?= $(TEST_REDIS_URL)

# Creates the database named in DATABASE_URL when it is missing, with a clear
# message when PostgreSQL does not answer. (pytest-django then creates test_<name>.)
define CREATE_DATABASE_PY
import sys
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

url = sys.argv[1]
params = conninfo_to_dict(url)
name = params.get("dbname", "")
try:
    with psycopg.connect(make_conninfo(url, dbname="postgres", connect_timeout=5), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created PostgreSQL database {name}.")
except psycopg.OperationalError as error:
    sys.exit(
        f"PostgreSQL does not answer at {url}: {error}\n"
        "Start it (the tests expect 127.0.0.1:5432, user postgres, trust auth) "
        "or point DATABASE_URL at one."
    )
endef
export CREATE_DATABASE_PY

.PHONY: run test lint fmt check-deploy clean install install-dev

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The Chromium check is skipped for a run that leaves the browser tests out
# (make test ARGS='-m "not browser"').
test: install-dev
	@$(if $(findstring not browser,$(ARGS)),true,test -x /usr/bin/chromium) || { \
		echo "Debian's Chromium is missing; the browser tests drive /usr/bin/chromium."; \
		echo "Install it with:  apt-get install chromium   (as root; .ci/run does this in CI)"; \
		exit 1; }
	@command -v promtool >/dev/null || { \
		echo "promtool is missing; the alert-rule tests run it."; \
		echo "Install it with:  apt-get install prometheus   (as root; .ci/run does this in CI)"; \
		exit 1; }
	@$(BIN)/python -c "$$CREATE_DATABASE_PY" "$(DATABASE_URL)"
	$(BIN)/pytest $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The production checklist under production-like settings; the key is random
# and thrown away, it only has to look like a real one.
check-deploy: install
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
	DEBUG=false ALLOWED_HOSTS=golfshots.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# The fault suite (docs/operations.md, "Fault suite"): starts its own PostgreSQL,
# Redis, gunicorn, Celery worker and beat on free ports, replays the faults and
# prints the table; fails when a target is missed. About 5 minutes.
.PHONY: chaos
chaos: install-dev
	$(BIN)/python -m chaos $(ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache .import_linter_cache test-results
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "golfshots needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; \
		echo "Pick another with  make PYTHON=python3.12 ..."; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(BIN)/python
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)
