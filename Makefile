# Every target bootstraps .venv first, so a fresh clone needs nothing but Python 3.11+.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: help venv test lint fmt pytest demo generate chart bench

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

venv: ## create .venv with every dependency and a redis-server binary
	@scripts/bootstrap.sh

lint: venv ## ruff check, ruff format --check and mypy --strict
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: venv ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

pytest: venv ## the test suite alone
	$(BIN)/python -m pytest

test: lint pytest ## lint, then the whole test suite

demo: venv ## run Omnia on embedded defaults: hooks, an agent, a tool server, no cluster or key
	$(BIN)/omnia demo

generate: venv ## regenerate crds/, metacontroller/ and their chart copies from the Python sources
	$(BIN)/omnia crds --output crds --output charts/omnia/crds
	$(BIN)/omnia controllers --output metacontroller --helm-template charts/omnia/templates/compositecontrollers.yaml

chart: venv ## render and lint the Helm chart
	$(BIN)/python -m pytest tests/e2e/test_chart.py

bench: ## run every benchmark and rewrite docs/benchmarks.md (about 10 minutes)
	@OMNIA_EXTRAS=test,bench scripts/bootstrap.sh
	$(BIN)/python -m bench.run_all
