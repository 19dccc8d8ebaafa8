# motionlab: `make demo` runs the whole pipeline on the built-in synthetic data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lab bench clean-cache

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --user --name motionlab --display-name "motionlab (.venv)" >/dev/null
	touch $(STAMP)

demo: setup
	$(PY) -m motionlab demo

test: setup
	$(VENV)/bin/ruff check .
	$(PY) tests/check_notebooks_stripped.py notebooks
	MOTIONLAB_FAST=1 $(PY) -m pytest -q

lab: setup
	$(VENV)/bin/jupyter lab notebooks

bench: setup
	$(PY) benchmarks/bench_flow.py

clean-cache:
	rm -rf data/cache
