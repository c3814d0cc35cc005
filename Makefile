# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run manage test install bench bench-quick lint clean

# rauc-hawkbit's DDI client drives the DDI tests; its D-Bus dependencies (gbulb, PyGObject) are not needed.
$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[test,bench]"
	$(BIN)/python -m pip install --quiet --no-deps -c requirements/constraints.txt rauc-hawkbit
	touch $(STAMP)

install: $(STAMP)

## Run the portal on embedded defaults (SQLite, local files; web, Celery worker and beat) with demo data.
run: $(STAMP)
	bin/run-dev

## A manage.py command with the settings of `make run`: make manage ARGS="rollout_status --all"
manage: $(STAMP)
	bin/manage $(ARGS)

## Run the whole test suite against PostgreSQL, Redis, an S3 server and a real Celery worker.
test: $(STAMP)
	bin/ensure-services
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Check the import boundaries: the import-linter contracts of pyproject.toml (make test checks them too).
lint: $(STAMP)
	$(BIN)/lint-imports

## Measure the portal and write docs/benchmarks.md; goosebit (installed under var/ on first use) and a bare
## WSGI app are measured in the same run as the device figures' peer and floor.
bench: $(STAMP)
	$(BIN)/python -m bench run

## The same at small sizes and short loads: bench/out/quick/benchmarks.md.
bench-quick: $(STAMP)
	$(BIN)/python -m bench run --quick

clean:
	rm -rf $(VENV) var
