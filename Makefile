# kamdash — two commands: `make setup`, then `make run` (or `make test`).
PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
BIN := $(VENV)/bin
PORT ?= 8501
KAMDASH_DATA_DIR ?= sample_data
# glibc's malloc, with its default thread cache, gets slower the longer DuckDB plans and runs
# queries in one process: a server's warm pages took 1.3-1.4x as long after 5,000 calls. A
# larger thread cache keeps them flat (docs/benchmarks.md). Other C libraries ignore this.
GLIBC_TUNABLES ?= glibc.malloc.tcache_count=1000:glibc.malloc.tcache_max=65536:glibc.malloc.mxfast=160
export GLIBC_TUNABLES
# Better still, jemalloc where the system has it (Debian: apt-get install libjemalloc2): the
# processes that serve and measure preload it (in the load test, its server only). DuckDB plans a statement with many small
# allocations, and with jemalloc the same statement plans and runs ~15 % faster and stays flat
# however long the server runs (docs/benchmarks.md). Not for the tests, which time nothing and
# start Chromium. JEMALLOC= turns it off.
JEMALLOC ?= $(firstword $(wildcard /usr/lib/*/libjemalloc.so.2 /usr/lib/libjemalloc.so.2 /usr/lib64/libjemalloc.so.2))
PRELOAD := $(if $(JEMALLOC),LD_PRELOAD=$(JEMALLOC))

.PHONY: setup system-packages test check format lint types run dev bench bench-150k loadtest clean

# uv is bootstrapped by pip into its own folder, then installs the exact versions in uv.lock
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Modules are compiled to bytecode at install, the app's own at every setup (only what
# changed). Where PYTHONDONTWRITEBYTECODE is set, as in many containers, Python reads
# bytecode but never writes it, and would compile every module it imports at every start:
# 0.75 s of each CLI call, more of a server's start (docs/benchmarks.md).
$(VENV)/.installed: uv.lock pyproject.toml Makefile | $(UV)
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --compile-bytecode
	touch $@

setup: $(VENV)/.installed
	@$(BIN)/python -m compileall -q kamdash app.py app_pages
	@test -n "$(JEMALLOC)" || echo "note: no libjemalloc.so.2 found; make run and make bench use glibc's malloc (about 15 % slower pages; make system-packages)"

# the optional system packages (Debian, as root): Chromium for the end-to-end tests, jemalloc
# for make run / bench / loadtest
system-packages:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libjemalloc2

test: setup
	$(BIN)/pytest -q

format: setup
	$(BIN)/ruff format kamdash app.py app_pages tests

lint: setup
	$(BIN)/ruff format --check kamdash app.py app_pages tests
	$(BIN)/ruff check kamdash app.py app_pages tests
	$(BIN)/lint-imports

types: setup
	$(BIN)/mypy

check: lint types test

run: setup
	KAMDASH_DATA_DIR=$(KAMDASH_DATA_DIR) $(PRELOAD) $(BIN)/python -m kamdash.ui.serve app.py --server.port $(PORT) --server.headless true

# as run, but an unexpected error shows its full trace in the browser (never for viewers:
# `make run` shows them a short message with a reference to the server log)
dev: setup
	KAMDASH_DATA_DIR=$(KAMDASH_DATA_DIR) STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --server.runOnSave true

bench: setup
	$(PRELOAD) $(BIN)/kamdash bench --out bench-results.json

# a whole customer base: 150,000 accounts (400 key accounts, the rest house accounts), 6M lines,
# generated once into ~/.cache/kamdash (KAMDASH_BENCH_CACHE); BENCH_ARGS e.g. "--soak 0"
bench-150k: setup
	$(PRELOAD) $(BIN)/kamdash bench --accounts 150000 --lines 6000000 $(BENCH_ARGS) --out bench-results-150k.json

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache

# 20 simulated users (light Streamlit websocket clients, not browsers) for 10 minutes against a
# local server on $(KAMDASH_DATA_DIR); writes docs/loadtest.md and docs/loadtest.json.
# Chromium instead: .venv/bin/python tests/load/loadtest.py --client browser --sessions 1 ...
loadtest: setup
	KAMDASH_SERVER_PRELOAD=$(JEMALLOC) $(BIN)/python tests/load/loadtest.py --client websocket --sessions 20 --minutes 10 \
		--data $(KAMDASH_DATA_DIR) --out docs/loadtest.md
