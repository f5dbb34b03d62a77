# Two commands matter: `make run` (serve API + dashboard + worker on SQLite) and `make test`;
# `make demo` serves the same with simulated platforms (docs/sandbox.md).
# Both install against requirements.lock, the versions the image runs; `make lock` renews it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
LOCK := requirements.lock
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest version pyproject.toml allows;
# without it, pins still allowed are kept.
LOCK_ARGS ?=

.PHONY: run demo test lint install lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"' \
		|| { echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create .venv: on Debian/Ubuntu install python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip

# The lock as constraints: what it pins is installed at that version, the dev tools it does not
# pin at the newest version pyproject.toml allows.
$(RUN_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install -q -c $(LOCK) -e ".[dev]"
	@touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/marketing-etl serve

demo: $(RUN_STAMP)
	$(BIN)/marketing-etl serve --sandbox

test: $(DEV_STAMP)
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check marketing_etl tests benchmarks
	$(BIN)/mypy
	$(BIN)/mypy tests benchmarks

# Every package `.[all]` installs, pinned, for Python 3.11 on Linux (the image's). No hashes: pip
# would then demand one for the project itself, which is installed from source, not a file.
# The project itself is left out (pip-compile notes it at the end as "unsafe"): it is the source.
lock: $(DEV_STAMP)
	$(BIN)/pip-compile --quiet --extra all --strip-extras --unsafe-package marketing-etl \
		--no-emit-index-url --no-emit-trusted-host --no-emit-find-links $(LOCK_ARGS) \
		--output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
