# Set-up and everyday commands. `make install` then `make test` (or `make reproduce`).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: install test lint format clean

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

lint: install
	$(BIN)/ruff check bench metrics search tests scripts
	$(BIN)/ruff format --check bench metrics search tests scripts

format: install
	$(BIN)/ruff format bench metrics search tests scripts
	$(BIN)/ruff check --fix bench metrics search tests scripts

clean:
	rm -rf $(VENV) .pytest_cache

.PHONY: bench
bench: install  ## scoring speed benchmark → results/bench/scoring.csv (not a test)
	$(BIN)/python scripts/bench_scoring.py --threads 2

.PHONY: data
data: install  ## official CIFAR-10/100 + NAS-Bench-101 files → ./data (or $NASBENCH_DATA); see bench/download.py
	$(BIN)/python -m bench.download --dest "$${NASBENCH_DATA:-data}"

.PHONY: update-reference
update-reference: install  ## recompute results/reference/*.csv (regression references); review the diff
	$(BIN)/python -m bench.reference update
