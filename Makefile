# Activist Academy — two commands: `make run` and `make test`.
#
# Every target creates or refreshes the virtual environment in .venv first; requirements are
# reinstalled only when a requirements file changed (stamp files in .venv).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
PYTEST_ARGS ?=
BENCH_ARGS ?=
LANGUAGES := fr es ar

VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app wsgi
PYBABEL := $(PY) -m babel.messages.frontend
TRANSLATIONS := academy/translations
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: help run test bench translations compile-translations check-system database npm-deps clean

help:
	@echo "make run                   set up, migrate, seed demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test                  set up and run the whole test suite (PYTEST_ARGS=... to pass options)"
	@echo "make bench                 run the benchmarks"
	@echo "make translations          extract messages and update the fr, es, ar catalogues"
	@echo "make compile-translations  compile the catalogues only"

# --- environment -----------------------------------------------------------------------------

$(PY):
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { \
		echo "Python cannot create virtual environments. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

# WeasyPrint loads Pango through ctypes at import time; without it certificates cannot render.
check-system: $(RUNTIME_STAMP)
	@$(PY) -c "import weasyprint" >/dev/null 2>&1 || { \
		echo "WeasyPrint cannot load the Pango library it needs for PDF certificates." >&2; \
		echo "On Debian/Ubuntu install it with: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" >&2; \
		exit 1; }

# axe-core (accessibility checks in the browser tests), reinstalled when package-lock.json changes;
# skipped when npm is not installed.
npm-deps:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: browser accessibility checks will be skipped (install nodejs and npm)."; \
	elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
		npm ci --no-audit --no-fund; \
	fi

# --- translations ----------------------------------------------------------------------------

translations: $(RUNTIME_STAMP)
	# --ignore-dirs replaces Babel's default, which also skips every folder whose name starts with
	# an underscore (templates/_macros).
	$(PYBABEL) extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--ignore-dirs '.* __pycache__ node_modules instance' -o $(TRANSLATIONS)/messages.pot .
	@for language in $(LANGUAGES); do \
		if [ -f $(TRANSLATIONS)/$$language/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$language --no-fuzzy-matching; \
		else \
			$(PYBABEL) init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$language; \
		fi; \
	done
	@$(MAKE) --no-print-directory compile-translations

# No catalogue is tolerated only while none exists; once one does, a compile error stops the build.
compile-translations: $(RUNTIME_STAMP)
	@if compgen -G "$(TRANSLATIONS)/*/LC_MESSAGES/messages.po" >/dev/null; then \
		$(PYBABEL) compile -d $(TRANSLATIONS) --statistics; \
	else \
		echo "No translation catalogues yet (make translations creates them): nothing to compile."; \
	fi

# --- run -------------------------------------------------------------------------------------

# Links in e-mail (invitations, resets) point at the address served, unless set otherwise; a
# server on every interface (0.0.0.0) is reached on this machine at 127.0.0.1.
LINK_HOST = $(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST))
database run: export SERVER_BASE_URL ?= http://$(LINK_HOST):$(PORT)

# The demo's e-mail (its accepted nominee's invitation…) is delivered at once, not left queued.
database: $(RUNTIME_STAMP)
	$(FLASK) db upgrade
	$(FLASK) academy seed-demo
	$(FLASK) courses import courses --if-empty
	$(FLASK) academy mail deliver

run: check-system compile-translations database
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C stops)"
	$(PY) -m gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# --- test and bench --------------------------------------------------------------------------

test: $(DEV_STAMP) check-system compile-translations npm-deps
	$(PY) -m pytest $(PYTEST_ARGS)

# BENCH_ARGS go to the page benchmarks; of them, --quick also shortens the in-process ones.
BENCH_QUICK = $(if $(filter --quick,$(BENCH_ARGS)),--quick)

bench: $(DEV_STAMP) check-system compile-translations
	$(PY) -m benchmarks $(BENCH_ARGS)
	$(PY) -m benchmarks.certificates $(BENCH_QUICK)
	$(PY) -m benchmarks.nominations $(BENCH_ARGS)
	$(PY) -m benchmarks.nominations_import $(BENCH_QUICK)

clean:
	rm -rf $(VENV) node_modules .pytest_cache test-results bench-results
