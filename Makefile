# Two commands from a fresh clone: `make run` and `make test`.
# Needs only Python >= 3.11 and make; everything else goes into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

# `make run` is the local, embedded default: DEBUG on, demo data loaded.
# Links in email (SITE_URL) point at the server this runs, on its PORT; a
# server bound to every interface is reached here as 127.0.0.1.
SITE_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
RUN_ENV  = DEBUG=$${DEBUG:-true} DEMO_MODE=$${DEMO_MODE:-true} DEMO_MODERATOR_WITHOUT_MFA=$${DEMO_MODERATOR_WITHOUT_MFA:-true} SITE_URL=$${SITE_URL:-http://$(SITE_HOST):$(PORT)}
# Tests always run with development settings (no HTTPS redirect); production
# settings are tested in subprocesses with their own environment. No persistent
# connections: the live-server thread would keep the test database open.
TEST_ENV = DEBUG=true DB_CONN_MAX_AGE=0 MEDIA_ROOT=$${MEDIA_ROOT:-$(CURDIR)/var/test-media}

.PHONY: run test lint format messages makemessages migrate collectstatic clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt pins every package to the versions tested together (README:
# "Upgrading dependencies").
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@ $(VENV)/.installed

# Test-only JavaScript (axe-core for the accessibility browser test, vnu-jar for
# the HTML checker), pinned by package-lock.json; never served to members.
# Without npm, make test goes on: axe-core then comes from a PyPI package and
# the validator suite skips (CI's REQUIRE_SUITES makes that skip a failure).
NPM := $(shell command -v npm 2>/dev/null)
NODE_TOOLS := $(if $(NPM),node_modules/.installed,no-npm)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: no-npm
no-npm:
	@echo "npm not found: the HTML checker (validator suite) will skip; axe-core comes from PyPI"

# Compiled catalogues are build output (git-ignored); Babel compiles them
# without GNU gettext on the machine.
messages: $(VENV)/.installed
	@$(BIN)/pybabel compile --domain=django --directory=locale --statistics 2>&1 | grep -v "^$$" || true
	@for po in locale/*/LC_MESSAGES/django.po; do test -f "$${po%.po}.mo" || { echo "failed to compile $$po"; exit 1; }; done

# For developers adding strings (needs GNU gettext's xgettext).
makemessages: $(VENV)/.installed
	$(TEST_ENV) $(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=node_modules --ignore=var --ignore=tests

migrate: $(VENV)/.installed
	@mkdir -p var
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

run: $(VENV)/.installed messages migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (demo accounts: see README); email is printed here"
	@# The outbox worker (email) runs beside the server and stops with it.
	$(RUN_ENV) $(BIN)/python manage.py run_outbox & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.installed-dev $(NODE_TOOLS) messages lint
	@mkdir -p var
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Builds a large dataset on PostgreSQL (+ Redis) and SQLite, measures pages,
# HTTP and WebSockets, prints a table; BENCH_SCALE=small for a quick run,
# BENCH_BACKENDS=sqlite for one backend. Results in .bench/results.json.
bench: $(VENV)/.installed-dev messages
	@mkdir -p var
	$(BIN)/python -m bench

collectstatic: $(VENV)/.installed
	$(BIN)/python manage.py collectstatic --noinput

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache locale/*/LC_MESSAGES/*.mo
