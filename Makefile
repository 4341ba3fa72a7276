# Quick start: `make run` (set up, index the bundled corpus if needed, start the app) and
# `make test` (set up, then run the whole test suite, browser tests included).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast lint browser-deps bench eval eval-llm clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/rag serve

# Debian's chromium and a CJK font for the real-browser test (no browser download needed).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi wqy; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

test: setup browser-deps
	$(BIN)/ruff check rag ui eval tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow and not browser"

lint: setup
	$(BIN)/ruff check rag ui eval tests
	$(BIN)/ruff format --check rag ui eval tests
	$(BIN)/mypy

eval: setup
	$(BIN)/rag eval

# Generative answers with the in-process local model (evaluation only, see eval/README.md):
# installs the local-llm extra (compiles llama.cpp once, ~10 min), fetches the GGUF into
# ~/.cache/policy-rag/, then measures the extractive and the llm answerer side by side on the
# dev and near-miss sets (one thread, nice'd: ~30 min on 2 shared cores).
eval-llm: setup
	$(BIN)/pip install --quiet -e ".[local-llm]"
	gguf="$$($(BIN)/python -m eval.local_llm)" && \
		RAG_LLM_BACKEND=llamacpp RAG_LLM_GGUF="$$gguf" RAG_LLM_THREADS=1 \
		nice -n 10 $(BIN)/rag eval --sets dev,near_miss --answer-mode both

bench: setup
	$(BIN)/rag bench

clean:
	rm -rf $(VENV) index/gen-* index/manifest.json eval/runs
