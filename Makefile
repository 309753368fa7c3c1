# Readiness: the two front-door commands are `make run` and `make test`.
# Everything a fresh machine needs is installed from here (no step by hand).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     ?= .venv
PY       := $(VENV)/bin/python
PORT     ?= 3000
FRESH    ?=
DATA_DIR ?= .local
QUIET    ?=
# seconds between scheduled re-assessment dispatches in `make run` (default: the template's minute; 0: off)
REASSESS_EVERY ?=
PYTEST_ARGS ?=

# The Lambda runtime is python3.13: use pyenv's 3.13 when the machine has it, else python3 (3.11+).
BASE_PYTHON := $(shell if PYENV_VERSION=3.13.0 python3.13 -c 'import sys' >/dev/null 2>&1; then \
	echo "env PYENV_VERSION=3.13.0 python3.13"; \
	elif command -v python3.13 >/dev/null 2>&1 && python3.13 -c 'import sys' >/dev/null 2>&1; then echo python3.13; \
	else echo python3; fi)

.PHONY: help venv lint types unit test run reassess bench browser clean

help:
	@echo "make run    - the whole product on this machine (http://127.0.0.1:$(PORT)); FRESH=1 starts empty"
	@echo "make test   - lint, types and the whole test suite (creates .venv from nothing)"
	@echo "make reassess - one scheduled re-assessment dispatch now, on the local data (or the running stack)"
	@echo "make bench  - benchmark scripts under bench/ (print figures)"

$(VENV)/.installed: pyproject.toml shared/requirements.txt
	@$(BASE_PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version.split()[0]'
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: venv
	$(VENV)/bin/mypy

# pytest exits 5 when it collected nothing; that is not a failure of the code under test.
# The suite runs on one worker a CPU (at most 4: each e2e worker starts a local stack of its own);
# tests share nothing, so the order they run in, and where, does not matter. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= auto
test: lint types browser
	@set +e; $(PY) -m pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --maxprocesses=4) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=0; fi; exit $$rc

unit: venv
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

# Debian's chromium for the browser tests; installed when missing and we may (root with apt-get).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| { echo "could not install chromium: run 'sudo apt-get install chromium' and retry"; exit 1; }; \
	else echo "browser tests need Debian's chromium: run 'sudo apt-get install chromium' and retry"; exit 1; fi

run: venv
	@$(PY) -m tools.local_stack --port $(PORT) --data-dir $(DATA_DIR)$(if $(filter 1 yes true,$(FRESH)), --fresh)$(if $(filter 1 yes true,$(QUIET)), --quiet)$(if $(REASSESS_EVERY), --reassess-every $(REASSESS_EVERY))

reassess: venv
	@$(PY) -m tools.local_stack reassess --data-dir $(DATA_DIR)

bench: venv
	@for script in bench/[!_]*.py; do echo "== $$script"; $(PY) -m bench.$$(basename $$script .py) || exit 1; done

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
