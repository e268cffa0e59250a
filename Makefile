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
bench: install  ## scoring speed benchmarks → results/bench/*.csv (timings of this machine: not part of reproduce)
	$(BIN)/python scripts/bench_scoring.py --threads 2
	$(BIN)/python scripts/bench_avg_pool.py --threads 2
	@if [ -n "$(FORESIGHT)" ]; then $(BIN)/python scripts/bench_side_by_side.py --foresight "$(FORESIGHT)" --threads 2; \
	else echo "side-by-side timing skipped: make bench FORESIGHT=<root of a zero-cost-nas checkout>"; fi

.PHONY: crosscheck
crosscheck: install  ## our scores against NAS-Bench-Suite-Zero's, NB101 subset bias → results/crosscheck/ (hours of CPU)
	$(BIN)/python scripts/crosscheck_naslib.py --space nb201
	$(BIN)/python scripts/crosscheck_naslib.py --space nb101
	$(BIN)/python scripts/nb101_subset_bias.py

.PHONY: data
data: install  ## official CIFAR-10/100 + NAS-Bench-101 files → ./data (or $NASBENCH_DATA); see bench/core/download.py
	$(BIN)/python -m bench download --dest "$${NASBENCH_DATA:-data}"

.PHONY: update-reference
update-reference: install  ## recompute results/reference/*.csv (regression references); review the diff
	$(BIN)/python -m bench reference update

# ---- The reproduction pipeline ----------------------------------------------------------------------------
# `make reproduce`: every committed file under results/ except the score caches (results/scores, inputs), the
# regression references (`make update-reference`), the cross-checks against NAS-Bench-Suite-Zero
# (`make crosscheck`) and the speed benchmarks (`make bench`: timings of the machine, not results), written by
# today's code: the correlations (from the committed score caches, computing only what is missing), the
# searches, the scripts' comparison tables, the leaderboards and plots (written by each run), then
# results/REPORT.md. Each run folder gets a provenance.json (bench/provenance.py) that tests/test_provenance.py
# checks against today's code and config. Rows are sorted and floats fixed-format (bench/tables.py), PNGs carry
# no metadata, and the GP searchers decide independently of the BLAS kernel (search/determinism.py), so an
# unchanged result rewrites an identical file: `make check-reproduce` runs all of this in a temporary copy and
# lists the files that differ from the committed ones (docs/reproducibility.md).
# `make reproduce FAST=1`: a small smoke version (FAST_SAMPLE cheap-metric scores on CIFAR-10, 3 seeds of the
# searchers that need no scores) written to results/fast/, never touching the real results.
# Presets: conf/experiment/*.yaml, each documenting its published source.
FAST ?= 0
FAST_SAMPLE ?= 50
# bench search processes per search command (the results do not depend on it); `make reproduce` runs REPRO_JOBS
# commands at a time instead
SEARCH_WORKERS ?= 1
FAST_METRICS := [params,flops,synflow,naswot,grad_norm,snip,jacob_cov]
CHEAP_SEARCHERS := [random,rea,reinforce,bo,local]
ifeq ($(FAST),1)
REPRO_DIR := results/fast
CORRELATE := $(BIN)/python -m bench correlate progress=false cache_dir=$(REPRO_DIR)/scores leaderboard=$(REPRO_DIR)/leaderboard/correlations.csv
SEARCH := $(BIN)/python -m bench search progress=false workers=$(SEARCH_WORKERS) cache_dir=$(REPRO_DIR)/scores leaderboard=$(REPRO_DIR)/leaderboard/search.csv
else
REPRO_DIR := results
CORRELATE := $(BIN)/python -m bench correlate progress=false publish=true
SEARCH := $(BIN)/python -m bench search progress=false publish=true workers=$(SEARCH_WORKERS)
endif
CORR := results/correlate
# the 300 random CIFAR-10 cells of the batch-protocol comparisons (README), and the 1,000 no-dead-op
# ImageNet16-120 cells of the batch-size comparison
CORR_300 := experiment=nb201_sample1000 sample=300 'metrics=[grad_norm,snip,grasp,fisher]'
CORR_IN16 := experiment=abdelfattah2021_nb201 dataset=ImageNet16-120 population=no_dead_ops sample=1000
ZC_SEARCHERS := [zc_only,zc_warmup_rea,hnas,hnas_grad_norm,hnas_snip,hnas_grasp]

.PHONY: reproduce reproduce-correlate reproduce-search
ifeq ($(FAST),1)
reproduce: install
	@echo "== [1/3] correlations → $(REPRO_DIR)/leaderboard/correlations.csv"
	$(CORRELATE) experiment=abdelfattah2021_nb201 dataset=cifar10 sample=$(FAST_SAMPLE) protocol=fast$(FAST_SAMPLE) \
	  'metrics=$(FAST_METRICS)' out_dir=$(REPRO_DIR)/correlate/nb201_cifar10_fast$(FAST_SAMPLE)
	@echo "== [2/3] searches → $(REPRO_DIR)/leaderboard/search.csv"
	$(SEARCH) experiment=hnas2022_nb201_transfer 'algo=$(CHEAP_SEARCHERS)' seeds=3 out_dir=$(REPRO_DIR)/search/nb201_transfer_q20
	$(SEARCH) experiment=nb201_paper_baselines 'algo=$(CHEAP_SEARCHERS)' seeds=3 out_dir=$(REPRO_DIR)/search/nb201_transfer_s12000
	@echo "== [3/3] report → $(REPRO_DIR)/REPORT.md"
	$(BIN)/python -m bench report --results $(REPRO_DIR) --out $(REPRO_DIR)/REPORT.md
else
reproduce: install  ## correlations and searches (REPRO_JOBS at a time), then the report and README's headline table
	@echo "== [1/2] correlations and searches → $(REPRO_DIR)/leaderboard/{correlations,search}.csv"
	$(MAKE) --no-print-directory -j$(REPRO_JOBS) search-s12000 search-q100-zc correlate-all search-all
	@echo "== [2/2] report → $(REPRO_DIR)/REPORT.md, headline → README.md"
	$(BIN)/python -m bench report --results $(REPRO_DIR) --out $(REPRO_DIR)/REPORT.md --readme README.md
endif

# The correlation runs are independent of each other (boards and score caches are written under locks), so
# they run REPRO_JOBS at a time; each comparison script waits for the runs it reads.
REPRO_JOBS ?= 2
NB201_SETS := cifar10 cifar100 ImageNet16-120
NB201_RUNS := $(foreach d,$(NB201_SETS),corr-all-$(d) corr-no-dead-ops-$(d))
TNB_RUNS := $(foreach s,micro macro,$(foreach t,class_scene class_object,corr-tnb101-$(s)-$(t)))
# the 1,000-architecture sample (seed 0) on CIFAR-100 and ImageNet16-120: the classic metrics (from the full-space
# caches), AZ-NAS and the frontier metrics except VKDNW (its Jacobian has a row per class: ≈ 10× CIFAR-10's cost)
SAMPLE1000_SETS := cifar100 ImageNet16-120
FRONTIER_SETS := $(SAMPLE1000_SETS)
FRONTIER_NO_VKDNW := [xi_gsnr,xi_gsnr_cumulative,l_swag,l_swag_lambda,l_swag_psi,gradsign,gradsign_mean,swap]
SAMPLE1000_RUNS := $(foreach d,$(SAMPLE1000_SETS),corr-sample1000-$(d) corr-az-nas-sample1000-$(d)) \
  $(addprefix corr-frontier-sample1000-,$(FRONTIER_SETS))
CORR_RUNS := $(NB201_RUNS) corr-az-nas-all corr-az-nas-no-dead-ops corr-one-per-class corr-sample1000 corr-az-nas-sample1000 corr-frontier-sample1000 corr-vkdnw-aggregates-sample1000 $(SAMPLE1000_RUNS) corr-fixed300 corr-fresh300 corr-bn-bypass300 \
  corr-epe32 corr-epe64 corr-plain32 corr-plain64 corr-gradsign64 corr-gradsign128 corr-nb101 corr-nb101-frontier corr-nb101-seed1 corr-nb301-hnas corr-nb301 corr-nb301-frontier corr-nb301-swap-darts $(TNB_RUNS)
CORR_TABLES := $(foreach d,$(NB201_SETS),cell-subsets-$(d) conv-strata-$(d) conv-strata-sample1000-$(d)) \
  paired-batch300 paired-in16-batch paired-gradsign-batch paired-nb101-seed1 \
  target-sensitivity-all target-sensitivity-no-dead-ops target-sensitivity-sample1000
.PHONY: $(CORR_RUNS) $(CORR_TABLES) correlate-all nbsz-board

reproduce-correlate: install  ## every folder under results/correlate, from the committed score caches
	@echo "== [1/3] correlations → $(REPRO_DIR)/leaderboard/correlations.csv"
	$(MAKE) --no-print-directory -j$(REPRO_JOBS) correlate-all

correlate-all: $(CORR_RUNS) $(CORR_TABLES) nbsz-board

# NAS-Bench-Suite-Zero's proxies through our statistics (results/nbsz, their board rows) and the heat map of
# every metric's rho on every task, ours included: after our rows are on the board
nbsz-board: $(CORR_RUNS)
	$(BIN)/python -m bench nbsz-board

# the preset's 21 classic metrics and the frontier metrics scored on the whole space: logsynflow on every dataset,
# on CIFAR-10 GradSign (both reducers), xi-GSNR (both variants), L-SWAG and its two terms and the structural
# baselines (the rest: scripts/nb201_frontier_full_space.sh)
FULL_METRICS_cifar10 := [classic,logsynflow,gradsign,gradsign_mean,n_layers,n_convs,l_swag,l_swag_lambda,l_swag_psi,xi_gsnr,xi_gsnr_cumulative]
FULL_METRICS_cifar100 := [classic,logsynflow]
FULL_METRICS_ImageNet16-120 := [classic,logsynflow]
$(addprefix corr-all-,$(NB201_SETS)): corr-all-%:
	$(CORRELATE) experiment=abdelfattah2021_nb201 dataset=$* 'metrics=$(FULL_METRICS_$*)'
$(addprefix corr-no-dead-ops-,$(NB201_SETS)): corr-no-dead-ops-%:
	$(CORRELATE) experiment=abdelfattah2021_nb201 dataset=$* population=no_dead_ops 'metrics=$(FULL_METRICS_$*)'
# AZ-NAS's four components and az_nas, their log-rank sum ranked within the run's population, on the full CIFAR-10
# space, in folders of their own as on the 1,000-sample: expressivity and progressivity are undefined on 9% of the
# cells, which would shrink the common set (n_common, metric_differences.csv) of the run above; the tables below
# join them
AZ_ALL := $(CORR)/nb201_cifar10_abdelfattah2021_az_nas
corr-az-nas-all corr-az-nas-no-dead-ops: corr-az-nas-%:
	$(CORRELATE) experiment=abdelfattah2021_nb201 dataset=cifar10 out_dir=$(AZ_ALL) 'ensembles=[az_nas]' \
	  'metrics=[az_expressivity,az_progressivity,az_trainability,az_complexity]' population=$(subst -,_,$*)
corr-one-per-class:
	$(CORRELATE) experiment=abdelfattah2021_nb201 dataset=cifar10 population=one_per_class
corr-sample1000:
	$(CORRELATE) experiment=nb201_sample1000 dataset=cifar10
corr-az-nas-sample1000:
	$(CORRELATE) experiment=nb201_az_nas_sample1000
corr-frontier-sample1000:
	$(CORRELATE) experiment=nb201_frontier_sample1000
corr-vkdnw-aggregates-sample1000:
	$(CORRELATE) experiment=nb201_vkdnw_aggregates_sample1000
$(addprefix corr-sample1000-,$(SAMPLE1000_SETS)): corr-sample1000-%:
	$(CORRELATE) experiment=nb201_sample1000 dataset=$*
$(addprefix corr-az-nas-sample1000-,$(SAMPLE1000_SETS)): corr-az-nas-sample1000-%:
	$(CORRELATE) experiment=nb201_az_nas_sample1000 dataset=$*
$(addprefix corr-frontier-sample1000-,$(FRONTIER_SETS)): corr-frontier-sample1000-%:
	$(CORRELATE) experiment=nb201_frontier_sample1000 dataset=$* 'metrics=$(FRONTIER_NO_VKDNW)'
corr-fixed300:
	$(CORRELATE) $(CORR_300) protocol=fixed_batch300 out_dir=$(CORR)/nb201_cifar10_fixed_batch300
corr-fresh300:
	$(CORRELATE) $(CORR_300) scoring.per_arch_batch=true protocol=fresh_batch300 out_dir=$(CORR)/nb201_cifar10_fresh_batch300
corr-bn-bypass300:
	$(CORRELATE) $(CORR_300) scoring.bn=bypass protocol=bn_bypass300 out_dir=$(CORR)/nb201_cifar10_bn_bypass300
corr-epe32 corr-epe64: corr-epe%:
	$(CORRELATE) $(CORR_IN16) 'metrics=[epe_nas]' scoring.batch_size=$* protocol=epe_batch$*_sample1000 \
	  out_dir=$(CORR)/nb201_ImageNet16-120_epe_batch$*_sample1000
corr-plain32 corr-plain64: corr-plain%:
	$(CORRELATE) $(CORR_IN16) 'metrics=[plain,grad_norm,snip,fisher]' scoring.batch_size=$* \
	  protocol=plain_batch$*_sample1000 out_dir=$(CORR)/nb201_ImageNet16-120_plain_batch$*_sample1000
# GradSign's batch (issue #34: 0.054 above the published 0.765 on CIFAR-10): the official NB201 driver's 128 images
# against the harness's 64, on the 300 cells of the batch-protocol comparisons
corr-gradsign64 corr-gradsign128: corr-gradsign%:
	$(CORRELATE) experiment=nb201_frontier_sample1000 sample=300 'metrics=[gradsign,gradsign_mean]' \
	  scoring.batch_size=$* protocol=gradsign_batch$*_sample300 out_dir=$(CORR)/nb201_cifar10_gradsign_batch$*_sample300
corr-nb101:
	$(CORRELATE) experiment=nb101_subset
corr-nb101-frontier:
	$(CORRELATE) experiment=nb101_frontier_subset
corr-nb101-seed1:
	$(CORRELATE) experiment=nb101_subset sample=80 scoring.seed=1 'metrics=[epe_nas,jacob_cov,plain,snip]' \
	  protocol=seed1_stability80 out_dir=$(CORR)/nb101_cifar10_seed1_sample80
corr-nb301-hnas:
	$(CORRELATE) experiment=nb301_hnas_ntk
corr-nb301:
	$(CORRELATE) experiment=nb301_nbsz_network
corr-nb301-frontier:
	$(CORRELATE) experiment=nb301_frontier
corr-nb301-swap-darts:
	$(CORRELATE) experiment=nb301_swap_darts
$(TNB_RUNS): corr-tnb101-%:
	$(CORRELATE) experiment=tnb101_data_free space=tnb101_$(firstword $(subst -, ,$*)) dataset=$(lastword $(subst -, ,$*))
# the strata and target tables of a dataset join its AZ-NAS folder where it has one (FULL_JOIN_<dataset>); not the
# cell subsets, whose `all_scored` cells are those every metric of the folder scored
FULL_JOIN_cifar10 := --join $(AZ_ALL)
conv-strata-cifar10 target-sensitivity-all: corr-az-nas-all
target-sensitivity-no-dead-ops: corr-az-nas-no-dead-ops
$(addprefix cell-subsets-,$(NB201_SETS)): cell-subsets-%: corr-all-%
	$(BIN)/python scripts/cell_subsets.py $(CORR)/nb201_$*_abdelfattah2021
$(addprefix conv-strata-,$(NB201_SETS)): conv-strata-%: corr-all-% corr-all-cifar10
	$(BIN)/python scripts/conv_strata.py $(CORR)/nb201_$*_abdelfattah2021 --strata-from $(CORR)/nb201_cifar10_abdelfattah2021 \
	  $(FULL_JOIN_$*)
# one strata table per dataset for the presets that share the 1,000-sample (their metrics and aggregates)
S1000 := $(CORR)/nb201_cifar10_sample1000
conv-strata-sample1000-cifar10: corr-sample1000 corr-az-nas-sample1000 corr-frontier-sample1000 \
  corr-vkdnw-aggregates-sample1000
	$(BIN)/python scripts/conv_strata.py $(S1000) --join $(S1000)_az_nas $(S1000)_frontier $(S1000)_vkdnw_aggregates
$(addprefix conv-strata-sample1000-,$(SAMPLE1000_SETS)): conv-strata-sample1000-%: corr-sample1000-% \
  corr-az-nas-sample1000-% corr-frontier-sample1000-%
	$(BIN)/python scripts/conv_strata.py $(CORR)/nb201_$*_sample1000 \
	  --join $(CORR)/nb201_$*_sample1000_az_nas $(CORR)/nb201_$*_sample1000_frontier
# CIFAR-10 against NAS-Bench-Suite-Zero's cifar10-valid target too (the training run published CIFAR-10 numbers use)
target-sensitivity-all: corr-all-cifar10
	$(BIN)/python scripts/target_sensitivity.py $(CORR)/nb201_cifar10_abdelfattah2021 $(FULL_JOIN_cifar10)
target-sensitivity-no-dead-ops: corr-no-dead-ops-cifar10
	$(BIN)/python scripts/target_sensitivity.py $(CORR)/nb201_cifar10_abdelfattah2021_no_dead_ops \
	  --join $(AZ_ALL)_no_dead_ops
target-sensitivity-sample1000: corr-sample1000 corr-az-nas-sample1000 corr-frontier-sample1000 \
  corr-vkdnw-aggregates-sample1000
	$(BIN)/python scripts/target_sensitivity.py $(S1000) --join $(S1000)_az_nas $(S1000)_frontier $(S1000)_vkdnw_aggregates
paired-batch300: corr-fixed300 corr-fresh300
	$(BIN)/python scripts/compare_setups.py $(CORR)/nb201_cifar10_fixed_batch300 $(CORR)/nb201_cifar10_fresh_batch300 --bootstrap 2000
paired-in16-batch: corr-plain32 corr-plain64
	$(BIN)/python scripts/compare_setups.py $(CORR)/nb201_ImageNet16-120_plain_batch64_sample1000_no_dead_ops \
	  $(CORR)/nb201_ImageNet16-120_plain_batch32_sample1000_no_dead_ops --dataset ImageNet16-120
paired-gradsign-batch: corr-gradsign64 corr-gradsign128
	$(BIN)/python scripts/compare_setups.py $(CORR)/nb201_cifar10_gradsign_batch64_sample300 \
	  $(CORR)/nb201_cifar10_gradsign_batch128_sample300 --bootstrap 2000
paired-nb101-seed1: corr-nb101 corr-nb101-seed1
	$(BIN)/python scripts/compare_setups.py $(CORR)/nb101_cifar10_naslib_subset $(CORR)/nb101_cifar10_seed1_sample80 --space nb101

# The searches are independent of each other and of the correlation runs (the search board is written under a
# lock, rows sorted), so they are make targets too: `make reproduce` runs correlations and searches together,
# REPRO_JOBS at a time, the longest first, each search on one process (results do not depend on it).
SEARCH_RUNS := search-s12000 search-q100-zc search-per-dataset search-q20 search-q100-bo search-q100 \
  search-in16-distinct search-prior-gp-transfer search-prior-gp-in16 search-nb301 search-nb301-hnas \
  search-tnb101-micro search-tnb101-macro
SEARCH_TABLES := search-comparisons
.PHONY: $(SEARCH_RUNS) $(SEARCH_TABLES) search-all

reproduce-search: install  ## every folder and table under results/search
	@echo "== [2/3] searches → $(REPRO_DIR)/leaderboard/search.csv"
	$(MAKE) --no-print-directory -j$(REPRO_JOBS) search-all

search-all: $(SEARCH_RUNS) $(SEARCH_TABLES)

search-s12000:
	$(SEARCH) experiment=nb201_paper_baselines algo=all
search-q100-zc:
	$(SEARCH) experiment=hnas2022_nb201_transfer budget.queries=100 'algo=$(ZC_SEARCHERS)' \
	  out_dir=results/search/nb201_transfer_q100_zc
search-per-dataset:
	$(SEARCH) experiment=hnas2022_nb201_per_dataset algo=all
search-q20:
	$(SEARCH) experiment=hnas2022_nb201_transfer algo=all
search-q100-bo:
	$(SEARCH) experiment=hnas2022_nb201_transfer budget.queries=100 algo=bo out_dir=results/search/nb201_cifar10_q100_bo
search-q100:
	$(SEARCH) experiment=hnas2022_nb201_transfer budget.queries=100 'algo=[random,rea,reinforce,local]' \
	  out_dir=results/search/nb201_cifar10_q100
search-in16-distinct:
	$(SEARCH) experiment=hnas2022_nb201_per_dataset 'dataset=[ImageNet16-120]' algo=hnas +params.distinct_classes=true \
	  out_dir=results/search/nb201_per_dataset_in16_hnas_distinct
search-prior-gp-transfer:
	$(SEARCH) experiment=prior_gp_nb201_transfer
search-prior-gp-in16:
	$(SEARCH) experiment=prior_gp_nb201_in16
search-nb301:
	$(SEARCH) experiment=search_nb301
search-nb301-hnas:
	$(SEARCH) experiment=search_nb301_hnas
search-tnb101-micro:
	$(SEARCH) experiment=search_tnb101_micro
search-tnb101-macro:
	$(SEARCH) experiment=search_tnb101_macro
search-comparisons: $(SEARCH_RUNS)
	$(BIN)/python scripts/compare_searches.py
	$(BIN)/python scripts/hnas_probe_check.py

# `make check-reproduce`: `make reproduce` in a temporary copy of the tracked files (this checkout's venv), then
# the files under results/ (and README.md, whose headline it writes) that it changed, added or removed; exit 1 if
# any. CHECK_TARGET=reproduce-search runs one part only.
CHECK_TARGET ?= reproduce
.PHONY: check-reproduce
check-reproduce: install
	$(BIN)/python scripts/check_reproduce.py --target $(CHECK_TARGET) --python $(abspath $(BIN))/python
