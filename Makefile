# SCM Console. `make run` serves the demo, `make test` runs the whole suite; `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SIZES ?= 1000,100000,1000000

.DEFAULT_GOAL := help
.PHONY: help run serve worker messages bench bench-signing bench-throughput stress test test-fast screenshots lint lint-pki format migrate seed reset-demo lock clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "SCM Console needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

$(VENV)/.dev: requirements-dev.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.lock
	@touch $@ $(VENV)/.runtime

DNS_PORT ?= 15353
# Seconds between the demo's new applications (make run DEMO_TRAFFIC=0 stops them).
DEMO_TRAFFIC ?= 30
# The demo: a simulated CA, a DNS server on 127.0.0.1 that publishes the applicants' TXT
# records, new applications every DEMO_TRAFFIC seconds, and emails written to var/mail/
# instead of being sent.
# Links in the demo's emails (and its CRL and OCSP URLs) name the port it is served on.
SCM_PUBLIC_URL ?= http://$(HOST):$(PORT)
DEMO_ENV := DEBUG=1 SCM_PUBLIC_URL=$(SCM_PUBLIC_URL) SCM_SIMULATED_CA=1 SCM_DNS_RESOLVER=127.0.0.1:$(DNS_PORT) \
	SCM_VALIDATION_ALLOW_PRIVATE=1 SCM_RECHECK_FIRST_SECONDS=15 SCM_HTTP_VALIDATION_PORT=5002 \
	SCM_DEMO_TRAFFIC_SECONDS=$(DEMO_TRAFFIC) \
	EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
run: $(VENV)/.runtime ## set up and serve the demo on http://127.0.0.1:8000 (server, worker, demo DNS; V=1 logs every request and task)
	$(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py run_demo --addr $(HOST):$(PORT) --dns-port $(DNS_PORT) $(if $(V),-v 2)

serve: $(VENV)/.runtime ## the production shape against DATABASE_URL: gunicorn (4 workers) and 2 task workers
	$(PY) manage.py migrate --noinput
	$(PY) manage.py init_ca
	STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage $(PY) manage.py collectstatic --noinput -v0
	STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage $(PY) manage.py serve

worker: $(VENV)/.runtime ## run one task worker (domain and ACME checks, automatic issuance, daily CRLs, the simulated CA)
	$(PY) manage.py task_worker

test: $(VENV)/.dev ## install the dev dependencies and run the whole suite, browser tests included
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

stress: $(VENV)/.dev ## the full load test: 100 browsers polling for 60 s while staff approve and a worker verifies
	SCM_STRESS_BROWSERS=100 SCM_STRESS_SECONDS=60 $(PY) -m pytest tests/live/test_load.py -q -p no:cacheprovider

test-fast: $(VENV)/.dev ## the suite without the browser tests
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

# What makemessages reads: the console's code and templates, not the tests, tools or packages.
MESSAGES_IGNORE := -i .venv -i tests -i bench -i scripts -i staticfiles -i var -i docs -i node_modules
messages: $(VENV)/.dev ## gather the strings marked for translation into locale/*/django.po, then compile them (.mo, committed)
	$(PY) manage.py makemessages -l zh_Hans -l th --no-obsolete --add-location file $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages -l zh_Hans -l th $(MESSAGES_IGNORE)

bench: $(VENV)/.runtime ## seed 1k/100k/1M certificates and time the console against gunicorn (SIZES=1000,100000,1000000)
	$(PY) bench/run.py --sizes $(SIZES)

bench-signing: $(VENV)/.runtime ## signing throughput: the issuance path next to bare cryptography loops
	$(PY) bench/signing.py

bench-throughput: $(VENV)/.runtime ## requests/s of list and polls with 2 and 4 gunicorn workers (needs wrk: apt-get install wrk)
	$(PY) bench/throughput.py $(if $(ROWS),--rows $(ROWS))

screenshots: $(VENV)/.dev ## retake the README's screenshots from the demo (Playwright and Debian's Chromium)
	$(PY) scripts/screenshots.py

lint-pki: $(VENV)/.dev ## pkilint over the demo CA's certificates, CRLs and OCSP responses (after make seed or make run)
	$(PY) manage.py migrate --noinput -v0
	$(PY) scripts/lint_pki.py

lint: $(VENV)/.dev ## ruff check, ruff format --check, and the import contract (layers, no circles)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.dev ## fix what ruff can fix and format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.runtime ## apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## create the demo users and certificates (safe to run again)
	$(PY) manage.py seed_demo

reset-demo: migrate ## delete the demo users' certificates and seed them again
	$(PY) manage.py seed_demo --reset

lock: $(VENV)/.dev ## re-pin requirements*.lock from pyproject.toml
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

clean: ## remove the venvs (the project's, and certbot's for the ACME tests) and the local SQLite database
	rm -rf $(VENV) .venv-certbot db.sqlite3 db.sqlite3-wal db.sqlite3-shm
