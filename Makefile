# The two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv

.PHONY: setup test lint demo bench help image

help:
	@echo "make demo   set up what is missing, then run the demo end to end"
	@echo "make test   set up what is missing, then run the whole test suite"
	@echo "make setup  Debian packages, OTB's Python module, test data, .venv (idempotent)"
	@echo "make image  the s1ops Docker image (starts a private engine if none answers)"

setup:
	@bash scripts/setup.sh

test: setup
	@bash scripts/test.sh

lint:
	@$(VENV)/bin/ruff check s1ops plugins dags tests bench scripts
	@$(VENV)/bin/ruff format --check s1ops plugins dags tests bench scripts

image: setup
	@bash scripts/docker-image.sh

demo: setup
	@bash scripts/demo.sh

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(VENV)/bin/python $$b || exit 1; done
