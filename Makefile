# lp-workbench. The two commands that matter: `make report` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
REPORT_STAMP := $(VENV)/.report-stamp
DEMO_DIR ?= build/demo-exports
DEMO_DB ?= data/demo.duckdb
DEMO_STUDENTS ?= 1000
DEMO_SEED ?= 1

.PHONY: install install-report lint test test-slow report demo lab bench clean help

help:
	@echo "make report  - set up, build the demo school, ingest it and run every report (reports/index.html)"
	@echo "make test    - set up, run the lint and type gate (make lint), then the tests"
	@echo "make lab     - JupyterLab on the notebooks, with the demo school ready (LAB_ARGS=... for more flags)"
	@echo "make install - create .venv and install lp-workbench with its dev extras (what make test needs)"
	@echo "make install-report - create .venv and install lp-workbench alone (what make report and make lab need)"
	@echo "make bench   - benchmarks at school and county scale (NATION=1: the nation too; minutes)"

# Two installs: the reports need lp-workbench and its dependencies only (`-e .`); the tests add the
# dev extra (pytest, ruff, mypy …). The dev install holds the report install, so it stamps both, and
# a checkout whose dev install is newer than pyproject.toml is not installed again.
$(REPORT_STAMP): pyproject.toml
	if [ ! $(STAMP) -nt pyproject.toml ]; then \
	  $(PY) -m venv $(VENV) && \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -e . ; \
	fi
	touch $(REPORT_STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(REPORT_STAMP)

install: $(STAMP)

install-report: $(REPORT_STAMP)

# The gate: ruff (the rule set and why, in pyproject.toml) and mypy --strict on lpdata, zero findings.
lint: install
	$(BIN)/ruff check lpdata tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q -m "not slow"

test-slow: install
	$(BIN)/python -m pytest -q -m slow

demo: install-report
	rm -rf $(DEMO_DIR) $(DEMO_DB) $(DEMO_DB:.duckdb=.ingest.log)
	$(BIN)/lp demo --out $(DEMO_DIR) --students $(DEMO_STUDENTS) --seed $(DEMO_SEED) --ingest-into $(DEMO_DB)

# Every report of the weekly plan for the demo school. A report that fails is listed (and the
# target fails); the index still links everything that ran.
report: demo
	$(BIN)/lp status --db $(DEMO_DB)
	$(BIN)/lp run parameters/plans/weekly.yaml --db $(DEMO_DB) --out reports
	@echo ""
	@echo "Reports: file://$(CURDIR)/reports/index.html"

# Benchmarks: demo exports at each scale, lp ingest against DuckDB and pandas, every view, the
# weekly plan; bench/results.json and the table in bench/README.md. SCALES=school,county by
# default; NATION=1 adds the nation (550,000 students: minutes, ~8 GB under build/bench/); LIMIT=1
# also measures DuckDB typing inside its own scan against its bare read (bench/limit.py).
SCALES ?= school,county
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --scales $(SCALES) $(if $(NATION),--nation) $(if $(LIMIT),--limit) $(BENCH_ARGS)

# JupyterLab on the notebooks, with LP_DB pointing at the demo school (built if missing). No flags
# to know: as root (a container, a fresh VM) it adds --allow-root, which jupyter requires there;
# with no graphical session (no DISPLAY or WAYLAND_DISPLAY: ssh, a server) it adds --no-browser, so
# no text-mode browser takes over the terminal: open the URL with the token that jupyter prints
# (through `ssh -L 8888:localhost:8888` from elsewhere). macOS opens its browser without DISPLAY.
# LAB_ARGS adds any other flag, e.g. LAB_ARGS="--port 8890".
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_BROWSER := $(if $(DISPLAY)$(WAYLAND_DISPLAY),,$(if $(filter Darwin,$(shell uname -s)),,--no-browser))
LAB_ARGS ?=
lab: install-report
	@test -f $(DEMO_DB) || $(MAKE) demo
	LP_DB=$(CURDIR)/$(DEMO_DB) $(BIN)/jupyter lab --notebook-dir=$(CURDIR)/notebooks $(LAB_ROOT) $(LAB_BROWSER) $(LAB_ARGS)

clean:
	rm -rf build reports data/demo.duckdb data/demo.ingest.log .pytest_cache .hypothesis
