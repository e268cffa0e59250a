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
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -q --durations=15

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
data: install  ## official CIFAR-10/100 + NAS-Bench-101 files → ./data (or $NASBENCH_DATA); see bench/core/download.py
	$(BIN)/python -m bench download --dest "$${NASBENCH_DATA:-data}"

.PHONY: update-reference
update-reference: install  ## recompute results/reference/*.csv (regression references); review the diff
	$(BIN)/python -m bench reference update

# ---- The reproduction pipeline ----------------------------------------------------------------------------
# `make reproduce`: every correlation (all spaces and datasets, scores from the committed caches in
# results/scores, computing only what is missing), the searches of every searcher under the two published
# budgets (transfer from CIFAR-10) and under HNAS's budget with each dataset's own signal, the leaderboards
# and plots (written by each run), then results/REPORT.md. < 30 min on 2 cores once the full-space score
# tables of the presets' setups are committed; days of CPU time without them.
# `make reproduce FAST=1`: a small smoke version (FAST_SAMPLE cheap-metric scores on CIFAR-10, 3 seeds of the
# searchers that need no scores) written to results/fast/, never touching the real results.
# Presets: conf/experiment/*.yaml, each documenting its published source.
# nb201_sample1000 runs all 21 metrics: the committed CIFAR-10 table holds them for the sample's 551 classes
# (class-invariant metrics) and 1,000 architectures (the others).
FAST ?= 0
FAST_SAMPLE ?= 50
# bench search processes running searches in parallel (one per core; the results do not depend on it)
SEARCH_WORKERS ?= 2
NB201_DATASETS := cifar10,cifar100,ImageNet16-120
FAST_METRICS := [params,flops,synflow,naswot,grad_norm,snip,jacob_cov]
CHEAP_SEARCHERS := [random,rea,reinforce,bo,local]
ifeq ($(FAST),1)
REPRO_DIR := results/fast
CORRELATE := $(BIN)/python -m bench correlate cache_dir=$(REPRO_DIR)/scores leaderboard=$(REPRO_DIR)/leaderboard/correlations.csv
SEARCH := $(BIN)/python -m bench search workers=$(SEARCH_WORKERS) cache_dir=$(REPRO_DIR)/scores leaderboard=$(REPRO_DIR)/leaderboard/search.csv
else
REPRO_DIR := results
CORRELATE := $(BIN)/python -m bench correlate
SEARCH := $(BIN)/python -m bench search workers=$(SEARCH_WORKERS)
endif

.PHONY: reproduce
reproduce: install
	@echo "== [1/3] correlations → $(REPRO_DIR)/leaderboard/correlations.csv"
ifeq ($(FAST),1)
	$(CORRELATE) experiment=abdelfattah2021_nb201 dataset=cifar10 sample=$(FAST_SAMPLE) protocol=fast$(FAST_SAMPLE) \
	  'metrics=$(FAST_METRICS)' out_dir=$(REPRO_DIR)/correlate/nb201_cifar10_fast$(FAST_SAMPLE)
	@echo "== [2/3] searches → $(REPRO_DIR)/leaderboard/search.csv"
	$(SEARCH) experiment=hnas2022_nb201_transfer 'algo=$(CHEAP_SEARCHERS)' seeds=3 out_dir=$(REPRO_DIR)/search/nb201_transfer_q20
	$(SEARCH) experiment=nb201_paper_baselines 'algo=$(CHEAP_SEARCHERS)' seeds=3 out_dir=$(REPRO_DIR)/search/nb201_transfer_s12000
else
	$(CORRELATE) -m experiment=abdelfattah2021_nb201 dataset=$(NB201_DATASETS)
	$(CORRELATE) experiment=nb201_sample1000 dataset=cifar10 metrics=all
	$(CORRELATE) experiment=nb101_subset
	@echo "== [2/3] searches → $(REPRO_DIR)/leaderboard/search.csv"
	$(SEARCH) experiment=hnas2022_nb201_transfer algo=all
	$(SEARCH) experiment=nb201_paper_baselines algo=all
	$(SEARCH) experiment=hnas2022_nb201_per_dataset algo=all
	$(SEARCH) experiment=prior_gp_nb201_transfer
	$(SEARCH) experiment=prior_gp_nb201_in16
endif
	@echo "== [3/3] report → $(REPRO_DIR)/REPORT.md"
	$(BIN)/python -m bench report --results $(REPRO_DIR) --out $(REPRO_DIR)/REPORT.md
