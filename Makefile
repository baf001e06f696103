# Two commands for a newcomer (see README):
#   make run    install into .venv, then plan the default Tiexi tour (tour.html)
#   make test   install into .venv (with test tools), then lint, type-check and test
# Also: make demo (offline demo on real OSM data of central Helsinki), make bench.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tourplanner plan

demo: $(STAMP)
	$(BIN)/tourplanner demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest --nbmake tests notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/matrix.py
	$(BIN)/python benchmarks/optw.py
	$(BIN)/python benchmarks/tour_quality.py
	$(BIN)/python benchmarks/catchments.py
	$(BIN)/python benchmarks/city_scale.py --json city_scale.json

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
