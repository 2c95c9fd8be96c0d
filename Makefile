# The two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
SOURCES := s1ops plugins dags tests bench scripts

.PHONY: setup test test-fast lint demo bench help image cluster cluster-stop

help:
	@echo "make demo   set up what is missing, then run the demo end to end"
	@echo "            (RUNNER=docker: its OTB steps in the s1ops image, as DockerOperator tasks)"
	@echo "make test   set up what is missing, then run the whole test suite"
	@echo "make test-fast  lint, then the tests needing no OTB, Airflow, engine nor slow fixture"
	@echo "make setup  Debian packages, OTB's Python module, test data, .venv (idempotent)"
	@echo "make image  the s1ops Docker image (starts a private engine if none answers)"
	@echo "make cluster [CFG=request file]  PostgreSQL, Redis, Airflow and 2 Celery workers"
	@echo "            on this machine (make cluster-stop stops them)"

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/test.sh

# The fast layer (tests/conftest.py marks it `fast`): under a minute, for every change.
test-fast: setup
	@$(VENV)/bin/ruff check $(SOURCES)
	@$(VENV)/bin/ruff format --check $(SOURCES)
	@LC_NUMERIC=C $(VENV)/bin/python -m pytest -m fast -q

lint:
	@$(VENV)/bin/ruff check $(SOURCES)
	@$(VENV)/bin/ruff format --check $(SOURCES)

image: setup
	@bash scripts/docker-image.sh

# `make demo RUNNER=docker`: the same demo with [Airflow] runner = docker.
demo: setup
	@bash scripts/demo.sh $(if $(RUNNER),--runner $(RUNNER))

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done

# The production shape on this machine (scripts/cluster.sh): CFG, else $S1OPS_CONFIG,
# else config/S1Processor.example.cfg.
cluster: setup
	@bash scripts/cluster.sh start $(CFG)

cluster-stop:
	@bash scripts/cluster.sh stop
