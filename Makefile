# make demo: install, migrate, load the demo street, serve http://127.0.0.1:8000 (embedded SQLite).
# make test: install, then ruff, mypy, pytest on SQLite, pytest on PostgreSQL with the Redis cache, the date-sensitive
# tests at every instant of scripts/test_at_dates.sh (SQLite), Playwright in Debian chromium, and the production
# stack's smoke test (scripts/deploy_smoke.sh).
# Demo commands run with GONGZHI_DEMO=1, which keeps a random SECRET_KEY in var/secret_key (settings.secret_key_from).
# Both install Debian's CJK font first (scripts/ensure_fonts.sh): PDFs embed it; the tests also need pdftotext.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
# The PostgreSQL pass uses DATABASE_URL when it is set (CI), else a local cluster that scripts/ensure_postgres.sh provides.
BENCH_STAMP := $(VENV)/.bench-$(shell sha1sum requirements-bench.lock | cut -c1-12)
PG_URL ?= $(or $(DATABASE_URL),postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi)
PYTEST := $(BIN)/python -m pytest

.PHONY: install demo test lint typecheck test-sqlite test-postgres test-dates test-browser test-deploy bench messages clean

install: $(STAMP)

# Reinstalls only when the lock file changes.
$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	scripts/ensure_fonts.sh
	mkdir -p var
	env -u DATABASE_URL GONGZHI_DEMO=1 $(BIN)/python manage.py migrate --noinput -v0
	env -u DATABASE_URL GONGZHI_DEMO=1 $(BIN)/python manage.py load_demo
	env -u DATABASE_URL GONGZHI_DEMO=1 scripts/serve_demo.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

test-sqlite: install
	scripts/ensure_fonts.sh --with-poppler
	scripts/ensure_redis.sh
	env -u DATABASE_URL $(PYTEST) -q -m "not browser" -n 2

test-postgres: install
	scripts/ensure_fonts.sh --with-poppler
	PG_URL='$(PG_URL)' scripts/ensure_postgres.sh
	scripts/ensure_redis.sh
	DATABASE_URL='$(PG_URL)' GONGZHI_CACHE_URL='$(or $(GONGZHI_CACHE_URL),redis://127.0.0.1:6379/2)' $(PYTEST) -q -m "not browser" -n 2

# The tests marked date_sensitive at the 1st at 00:05, 29 February, 31 December at 23:59… (the whole suite at those
# instants, on both databases, is scripts/test_at_dates.sh without --fast).
test-dates: install
	scripts/ensure_fonts.sh --with-poppler
	scripts/test_at_dates.sh --fast --db sqlite

test-browser: install
	scripts/ensure_chromium.sh
	env -u DATABASE_URL $(PYTEST) -q -m browser -p no:xdist

# The production stack on loopback (nginx over HTTPS, gunicorn, the task worker, Redis, PostgreSQL) from deploy/'s
# files, checked through nginx, then stopped (scripts/deploy_smoke.sh; as root: it installs what is missing).
test-deploy: install
	scripts/deploy_smoke.sh

test: lint typecheck test-sqlite test-postgres test-dates test-browser test-deploy

# Benchmark-only packages (the Pol.is reference implementation) stay out of the app's own install.
$(BENCH_STAMP): requirements-bench.lock $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-bench.lock
	rm -f $(VENV)/.bench-*
	touch $@

bench: install $(BENCH_STAMP)
	env -u DATABASE_URL $(BIN)/python bench/run.py

messages: install
	GONGZHI_DEMO=1 $(BIN)/python manage.py makemessages -l en --no-obsolete -i ".venv/*" -i "tests/*" -i "bench/*"
	msgfmt --check -o locale/en/LC_MESSAGES/django.mo locale/en/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var
