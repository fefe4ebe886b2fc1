# Two commands on a fresh machine: `make demo` (the policy comparison) and `make test`.
# Each creates .venv from python3 and pip if it is missing or pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint bench bench-all docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m mentorsim compare scenarios/ss2020.toml scenarios/ss2020_weekly_echo.toml \
		scenarios/in_person_only.toml scenarios/virtual_only.toml scenarios/local_mentors.toml \
		scenarios/no_mentorship.toml --replicates 20 --seed 1 --out outputs

# The fast tests plus the doctests of the public API (testpaths in pyproject.toml).
test: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples

test-all: $(STAMP)
	$(PY) -m pytest -q

# `bench` prints the figures and ends with the regression check (fails if a replicate has become
# slower relative to the floor kernel than benchmarks/check.py allows).
bench: $(STAMP)
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_sweep.py --runs 400
	$(PY) benchmarks/floor_kernel.py
	$(PY) benchmarks/bench_where.py
	$(PY) benchmarks/check.py

bench-all: bench
	$(PY) benchmarks/bench_psa.py
	$(PY) benchmarks/bench_app.py 20 10

docs: $(STAMP)
	$(PY) -m mentorsim.docs_gen

clean:
	rm -rf $(VENV) outputs .pytest_cache
