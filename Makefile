# Alongside: `make demo` to see it, `make test` to check it. Everything else is a step of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 8000
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
ALONGSIDE := $(VENV)/bin/alongside
UV_VERSION := 0.13.9

.PHONY: help setup test-tools demo serve test pytest lint format bench standards clean

help:
	@echo "make demo    install what is needed, load a synthetic place and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test    lint and the whole test suite (browser tests included)"
	@echo "make bench   benchmarks (BENCH=\"load\" for some); results go to docs/benchmarks.md"
	@echo "make setup   install the runtime only (idempotent); make test-tools adds the test tools"
	@echo "make standards  fetch the official Open Referral UK and HSDS 3.0 schemas and examples"
	@echo "                (the directory's conformance tests run when a copy is present)"

# --- install -------------------------------------------------------------------------------
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The runtime alone (what `make demo` needs). --inexact keeps test tools already installed.
$(VENV)/.runtime: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --inexact
	@touch $@

# The runtime with the test and Spark groups (what `make test` needs).
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --group test --group spark
	@touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.runtime node_modules/.installed

test-tools: $(VENV)/.synced node_modules/.installed

# --- run -----------------------------------------------------------------------------------
demo: setup
	$(ALONGSIDE) migrate --no-input
	$(ALONGSIDE) demo --if-empty
	$(ALONGSIDE) serve --port $(PORT)

serve: setup
	$(ALONGSIDE) serve --port $(PORT)

# --- check ---------------------------------------------------------------------------------
lint: test-tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: test-tools
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The suite runs on every core (at most 4), a test file to a worker, each worker on a test
# database of its own on the embedded server.
PYTEST_ARGS ?= -n auto --maxprocesses 4 --dist loadfile

test: lint
	$(VENV)/bin/alongside makemigrations --check --dry-run > /dev/null
	$(MAKE) --no-print-directory pytest

pytest: test-tools
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The official reference copies the directory's conformance tests read, at the commits the
# project follows, into var/standards (found there by the tests; ALONGSIDE_STANDARDS_DIR or
# ../shared/standards are used instead when present). Needs the network.
STANDARDS_DIR := var/standards
ORUK_COMMIT := ecdfabf78944d480d7f580d08b702b08cbec4b09
HSDS_COMMIT := 279fd2eb3552c349bf698c07c00cc25f5fc8249b
TARBALLS ?= https://codeload.github.com

standards:
	rm -rf $(STANDARDS_DIR).new
	mkdir -p $(STANDARDS_DIR).new/open-referral-uk $(STANDARDS_DIR).new/hsds-3.0
	curl -fsSL $(TARBALLS)/OpenReferralUK/uk-profile/tar.gz/$(ORUK_COMMIT) \
	  | tar -xz -C $(STANDARDS_DIR).new/open-referral-uk --strip-components=1 \
	      --wildcards '*/LICENSE' '*/profile/*' '*/examples/*'
	curl -fsSL $(TARBALLS)/openreferral/specification/tar.gz/$(HSDS_COMMIT) \
	  | tar -xz -C $(STANDARDS_DIR).new/hsds-3.0 --strip-components=1 \
	      --wildcards '*/LICENSE' '*/schema/*'
	rm -rf $(STANDARDS_DIR) && mv $(STANDARDS_DIR).new $(STANDARDS_DIR)
	@echo "Open Referral UK ($(ORUK_COMMIT)) and HSDS 3.0 ($(HSDS_COMMIT)) are in $(STANDARDS_DIR)."

# The benchmarks add the dev group (locust, for the load test) to the test tools.
bench: test-tools
	$(UV) sync --frozen --quiet --inexact --group test --group spark --group dev
	$(VENV)/bin/python -m benchmarks $(BENCH)

clean:
	rm -rf $(TOOLS) $(VENV) node_modules
