# Two commands matter: `make run` (the app with demo data on SQLite) and `make test`.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app campaign
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint translations extract bench soak fuzz audit clean prod-check

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	$(VENV)/bin/pybabel compile -d campaign/translations

run: $(VENV)/.runtime translations
	$(FLASK) init
	$(FLASK) demo $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
	@echo "Open http://$(HOST):$(PORT) and sign in with a login above."
	GUNICORN_WORKERS=2 GUNICORN_BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c python:campaign.deploy.gunicorn_conf wsgi:app

# The suite runs on SQLite, then again on $(TEST_DATABASE_URL) when it is set (PostgreSQL in CI).
# Each pass has two phases: the tests that need no browser on a pytest-xdist worker per core
# (TEST_WORKERS), then the browser tests in one process with the machine to themselves (they wait
# on a real Chromium and real timers). Exit status 5 is pytest's "no test selected".
TEST_WORKERS ?= auto
define run_suite
	$(1) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup -m "not browser" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(1) $(PY) -m pytest -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]
endef
test: $(VENV)/.dev translations
	$(call run_suite,)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then echo "== again on $(TEST_DATABASE_URL) =="; fi
	$(if $(TEST_DATABASE_URL),$(call run_suite,CAMPAIGN_TEST_DATABASE_URL="$(TEST_DATABASE_URL)"))

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

extract: $(VENV)/.runtime
	$(VENV)/bin/pybabel extract -w 100 -F babel.cfg -k _l -k lazy_gettext -o campaign/translations/messages.pot .
	$(VENV)/bin/pybabel update -w 100 -i campaign/translations/messages.pot -d campaign/translations

clean:
	rm -rf $(VENV) .pytest_cache

# Benchmarks print tables; figures go in the README. Not part of `make test`.
bench: $(VENV)/.dev
	$(PY) -m tests.bench.visits
	$(PY) -m tests.bench.coverage
	$(PY) -m tests.bench.onboarding
	$(PY) -m tests.bench.national

# Load and faults: gunicorn with 4 workers on SQLite then PostgreSQL (SOAK_PG_URL), 64 volunteers,
# SOAK_VISITS visits (20,000), a worker killed mid-run. Not part of `make test`.
soak: $(VENV)/.dev
	$(PY) -m tests.soak

# As deployed: nginx (installed from Debian if missing) with a self-signed certificate, two
# gunicorn hosts, PostgreSQL (SOAK_PG_URL's server, database prod_check_run) and Redis (DB
# PROD_REDIS_DB, 7); the soak through HTTPS, a host killed, rolling reloads. Prints a table of
# checks. Not part of `make test`.
prod-check: $(VENV)/.dev translations
	$(PY) -m tests.prod.check

# Hostile input on the JSON API and in visit batches, fresh random examples each run (FUZZ_EXAMPLES
# per operation), on SQLite then $(TEST_DATABASE_URL). `make test` runs the same tests with 25 fixed examples.
FUZZ_EXAMPLES ?= 300
fuzz: $(VENV)/.dev translations
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/test_schemathesis.py tests/test_visits_hostile.py
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) CAMPAIGN_TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest tests/test_schemathesis.py tests/test_visits_hostile.py; \
	fi

# Lighthouse (mobile: performance, accessibility, best practices) and axe-core on login, the visit
# form, my visits, the review queue, the ward and the province page, in Debian's Chromium
# (CHROME_PATH; no browser is downloaded). Prints a table; figures go in the README. Not part of
# `make test`. The npm packages are pinned in tests/audit/package-lock.json.
CHROME_PATH ?= /usr/bin/chromium
audit: $(VENV)/.dev translations
	cd tests/audit && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	CHROME_PATH=$(CHROME_PATH) $(PY) tests/audit/run.py
