# The two commands of the README: `make run` and `make test`. Every step is idempotent and
# cheap when already done, so `make run` on a set-up machine is serving within seconds.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMPS := .make

export DJANGO_SETTINGS_MODULE := planportal.settings

.PHONY: run test lint audit bench drills setup system system-test system-bench system-drill database venv messages migrate demo serve

run: setup migrate demo serve

test: system-test venv database messages lint
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# The pinned packages against the known advisories (pip-audit, needs PyPI's JSON API): refreshes
# security/dependency-audit.json; fails on an advisory or on packages it could not check.
audit: venv
	$(PY) scripts/audit_dependencies.py

# Every benchmark in turn on a database of their own (planportal_bench, made afresh), with the
# time and load of each, against the 30-minute budget (bench/_suite.py; BENCH=a,b for some).
bench: system-bench setup $(STAMPS)/tipg-installed
	$(PY) manage.py collectstatic --noinput -v 0
	TIPG_VENV=$(STAMPS)/tipg-venv $(PY) bench/_suite.py --only "$(BENCH)"

# tipg, the reference the tile benchmark measures against, in a venv of its own. The stamp is
# a file written after the install: the venv's folder alone would count as made when an
# install was interrupted, and the benchmarks would then run without tipg.
$(STAMPS)/tipg-installed: bench/tipg-requirements.txt
	@test -x $(STAMPS)/tipg-venv/bin/python || $(PYTHON) -m venv $(STAMPS)/tipg-venv
	$(STAMPS)/tipg-venv/bin/python -m pip install -q -r bench/tipg-requirements.txt
	@touch $@

# Drills (drills/): attacks and failures against the shipped nginx and gunicorn, each on a
# throwaway database of its own, bounded, printing its figures.
drills: system-drill setup
	@for d in drills/[!_]*.py; do $(PY) $$d || exit 1; done

setup: system venv database messages

system:
	@bash scripts/install-system.sh

system-test:
	@bash scripts/install-system.sh --test

system-bench:
	@bash scripts/install-system.sh --bench

system-drill:
	@bash scripts/install-system.sh --drill

database: system
	@bash scripts/ensure-database.sh

venv: $(STAMPS)/venv

$(STAMPS)/venv: requirements.txt
	@mkdir -p $(STAMPS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

# Compiled catalogues are build output (ignored by git), rebuilt when a .po file changes.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
messages: $(MO_FILES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

migrate: venv database
	$(PY) manage.py migrate --noinput -v 0

# The demo plan, and the tiles of every public layer baked (a layer whose bake is missing or of
# an older format is served by plain SQL until then; a current bake is left as it is).
demo: migrate
	$(PY) manage.py load_demo_plan
	$(PY) manage.py bake_tiles -v 0

# scripts/serve.sh collects the static files itself, with the settings it serves with.
serve:
	PORT=$(PORT) bash scripts/serve.sh
