# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test venv screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

venv: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,postgres]'

demo: venv
	$(BIN)/redun-tui --demo

# Two pytest processes side by side (CI has two cores); see scripts/run_suite.py.
test: venv
	$(BIN)/python scripts/run_suite.py -q

screenshots: venv
	$(BIN)/python scripts/make_screenshots.py
