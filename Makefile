# Tracker: `make run` starts the app with its scheduler; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run demo test screenshots lint format bench bench-intake setup clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Tracker needs Python 3.11 or newer (set PYTHON=...)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs the app and its test tools; re-runs when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# Links in emails and the login address printed below point where `make run` listens.
setup run demo: export TRACKER_BASE_URL ?= http://$(HOST):$(PORT)

setup: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) tracker ensure-admin

# The web app (gunicorn, a production WSGI server) and the scheduler process side by side;
# Ctrl-C stops both. Two workers suit SQLite; `flask --app wsgi run` stays for development.
WORKERS ?= 2
run: setup
	@echo "Tracker: http://$(HOST):$(PORT)  (log in with the admin account above; Ctrl-C stops)"
	@$(FLASK) tracker scheduler & scheduler=$$!; \
		trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) wsgi:app

# `make run` with a few hundred generated letters, for a first look at the dashboards.
demo: setup
	$(FLASK) tracker demo
	@$(MAKE) --no-print-directory run

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium'." >&2; \
		exit 1; \
	fi

DOVECOT ?= /usr/sbin/dovecot
$(DOVECOT):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; \
	else \
		echo "The mailbox tests need Debian's dovecot-imapd: run 'sudo apt-get install dovecot-imapd'." >&2; \
		exit 1; \
	fi

tests/js/node_modules/axe-core/axe.min.js: tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund --silent
	@touch $@

test: $(VENV)/.installed $(CHROMIUM) $(DOVECOT) tests/js/node_modules/axe-core/axe.min.js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Re-takes the README's screenshots from the browser tests.
screenshots: $(VENV)/.installed $(CHROMIUM) tests/js/node_modules/axe-core/axe.min.js
	TRACKER_SCREENSHOT_DIR=docs/screenshots TRACKER_TEST_DATABASES=sqlite $(BIN)/pytest \
		tests/browser/test_dashboard_browser.py tests/browser/test_letter_workflow_browser.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed
	$(BIN)/python bench/sweep_bench.py
	$(BIN)/python bench/dashboard_bench.py
	$(BIN)/python bench/official_search_bench.py

# The letter parser scored on real letters labelled by hand (see that folder's README).
bench-intake: $(VENV)/.installed
	$(BIN)/python bench/intake_real.py ../shared/letters-real

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
