# Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := interop/js/node_modules/.installed
PYTEST_WORKERS ?= auto

.PHONY: demo test install lint typecheck unit interop-deps web-test-deps pdf-test-deps clean bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The JavaScript reference stack (@digitalbazaar/vc and its suites) for the
# cross-verification tests, pinned by interop/js/package-lock.json.
$(NODE_STAMP): interop/js/package.json interop/js/package-lock.json
	cd interop/js && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

interop-deps: $(NODE_STAMP)

# Debian's Chromium for the Playwright web tests (tests/web); never a downloaded browser.
web-test-deps:
	bash scripts/web-test-deps.sh

pdf-test-deps:
	bash scripts/pdf-test-deps.sh

demo: install
	$(BIN)/microcred demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy src/microcred

# A PostgreSQL server for the tests (loopback, port 54329, data in /tmp/microcred-pg),
# installed and started by the script; its URL goes to .pg-test-url.
.PHONY: pg-test-server pg-test-server-stop
pg-test-server:
	@url="$$(bash scripts/postgres-test-server.sh)" && printf '%s\n' "$$url" > .pg-test-url && echo "$$url"

pg-test-server-stop:
	bash scripts/postgres-test-server.sh stop

unit: install interop-deps web-test-deps pdf-test-deps pg-test-server
	MICROCRED_TEST_POSTGRES_URL=$$(cat .pg-test-url) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

test: lint typecheck unit

bench: install interop-deps
	$(BIN)/python bench/sign_verify.py

clean:
	rm -rf $(VENV) interop/js/node_modules .pytest_cache .mypy_cache .ruff_cache
