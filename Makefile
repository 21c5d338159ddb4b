# Every target creates the virtual environment on first use and installs the
# package (editable) with the extras it needs; later runs reuse it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: compare test bench docs lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# One stamp per set of extras, rebuilt when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[$*]"
	touch $@

# ARGS passes options through, e.g. make compare ARGS="--quick -e mlp_classifier".
compare: $(VENV)/.installed-plot,fast
	$(PY) -m sklearn_dl.compare $(ARGS)

test: $(VENV)/.installed-test,fast
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: $(VENV)/.installed-bench,fast,dask
	$(PY) -m benchmarks.run $(ARGS)

docs: $(VENV)/.installed-docs
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

# Lint and format check, as CI runs them (ruff pinned in the 'lint' extra).
lint: $(VENV)/.installed-lint
	$(PY) -m ruff check sklearn_dl tests benchmarks examples
	$(PY) -m ruff format --check sklearn_dl tests benchmarks examples

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples reports
