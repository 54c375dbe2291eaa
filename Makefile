# Mimamori — one command for the demo, one for the tests (README).
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEMO_PASSWORD ?= mimamori-demo-2026
PORT ?= 8000
DEMO_2FA ?= 0
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mimamori
PYTEST_ARGS ?=
BENCH_ARGS ?=
BENCH_TESTS ?= 1
BENCH_SMOKE_OUTPUT ?= var/BENCHMARKS-smoke.md

.PHONY: help venv demo seed serve test test-pg e2e lint check bench bench-smoke vendor lock clean

help:
	@echo "make demo     set up, migrate SQLite, seed demo data, serve on http://127.0.0.1:8000 (PORT=)"
	@echo "make test     set up and run the whole test suite on SQLite"
	@echo "make test-pg  the same suite on PostgreSQL (DATABASE_URL, default $(TEST_DATABASE_URL))"
	@echo "make e2e      browser journeys (Playwright + Debian chromium)"
	@echo "make lint     ruff, manage.py check, makemigrations --check"
	@echo "make bench    BENCHMARKS.md at 10,000 and 100,000 cases, then the pytest benchmarks (PostgreSQL)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py seed_demo --password "$(DEMO_PASSWORD)"
	@echo ""
	@echo "  見守り demo: http://127.0.0.1:$(PORT)/  (password for every demo user: $(DEMO_PASSWORD))"
	@echo "  users: intake1 caseworker1 caseworker2 supervisor1 shelter1 foster1 auditor1 admin1"
	@echo ""
	MIMAMORI_DEMO_2FA=$(DEMO_2FA) DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-pg: $(STAMP)
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(VENV)/bin/pytest $(PYTEST_ARGS)

e2e: $(STAMP)
	env -u DATABASE_URL $(VENV)/bin/pytest -m e2e -p no:randomly $(PYTEST_ARGS) tests/e2e

# BENCHMARKS.md from databases seeded at 10,000 and 100,000 cases (reused once seeded), then the
# pytest benchmarks (BENCH_TESTS=0 skips them). Printed and written, never asserted.
bench: $(STAMP)
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(PY) scripts/bench.py $(BENCH_ARGS)
	if [ "$(BENCH_TESTS)" != "0" ]; then \
	  DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(VENV)/bin/pytest -m benchmark -s $(PYTEST_ARGS) tests \
	    --ignore=tests/intake/test_bench_sealing.py; \
	fi

# What CI runs: the same report at a few hundred cases in a throwaway database.
bench-smoke: $(STAMP)
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(PY) scripts/bench.py \
	  --sizes 300 --db mimamori_bench_smoke --fresh --runs 3 --load-seconds 2 \
	  --output "$(BENCH_SMOKE_OUTPUT)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

lock:
	$(PIP) freeze --exclude-editable | grep -vi '^mimamori' > constraints.txt

vendor:
	npm ci
	node scripts/vendor.mjs

clean:
	rm -rf $(VENV) staticfiles
