# mmsona: `make demo` trains and evaluates SONA-Net on the synthetic
# benchmark on the CPU; `make test` runs the test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmsona-installed
LINT_PATHS := mmsona configs tools tests projects setup.py

DEMO_CONFIG ?= configs/sona/sona_r18_synthetic.py
DEMO_WORK_DIR ?= work_dirs/sona_r18_synthetic
DEMO_DATA ?= data/synthetic_reid

# The two ablation grids of docs/ablation.md: every config of the folder,
# by benchmark, in file-name order (the order of the tables).
ABLATION_DIR := configs/ablation
ABLATION_CONFIGS := $(sort $(wildcard $(ABLATION_DIR)/*_synthetic-hard.py))
ABLATION_SEEDS ?= 0 1 2
ABLATION_WORK_DIR ?= work_dirs/ablation
# Finished runs of the relational-probe grid are recorded in
# docs/ablation_relational_runs.csv (committed), so a later run only trains
# what is missing there.
RELATIONAL_CONFIGS := \
	$(sort $(wildcard $(ABLATION_DIR)/*_synthetic-relational.py))
RELATIONAL_SEEDS ?= 0 1 2 3 4
RELATIONAL_WORK_DIR ?= work_dirs/ablation_relational
RELATIONAL_RECORD ?= docs/ablation_relational_runs.csv

# Mutation testing (docs/mutation.md), not part of make test: mutmut mutates
# the modules of the [mutmut] section of setup.cfg and runs their fast tests on
# each mutant. MUTATE narrows it to some of them (folders or files), e.g.
# make mutation MUTATE=mmsona/models/heads
MUTATE ?=
MUTATION_JOBS ?= 2
MUTATION_WORK_DIR ?= work_dirs/mutation
MUTANT_GLOBS := $(foreach m,$(MUTATE),\
	'$(subst /,.,$(patsubst %.py,%,$(patsubst %/,%,$(m)))).*')

.PHONY: install demo ablation ablation-relational test test-fast mutation \
	lint clean

$(STAMP): setup.py setup.cfg pyproject.toml requirements/*.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'setuptools>=77,<82' wheel
	# No build isolation: setup.py then sees whether a full mmcv is installed
	# and only asks for mmcv-lite when none is.
	$(PY) -m pip install --quiet --no-build-isolation -e '.[tests,deploy,faiss]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/misc/make_synthetic_reid.py --out $(DEMO_DATA) --size demo --seed 0
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) "$$(cat $(DEMO_WORK_DIR)/last_checkpoint)" \
		--work-dir $(DEMO_WORK_DIR)/test --show-dir vis
	$(PY) tools/misc/demo_summary.py $(DEMO_WORK_DIR)

# Trains every grid config with every seed (resumable: finished runs are
# skipped), then writes the tables and the plot to $(ABLATION_WORK_DIR).
ablation: $(STAMP)
	$(PY) tools/analysis_tools/ablation.py $(ABLATION_CONFIGS) \
		--seeds $(ABLATION_SEEDS) --jobs 2 --work-dir $(ABLATION_WORK_DIR) \
		--baseline $(ABLATION_DIR)/bfe_r18-dilated_synthetic-hard.py \
		--shape 64 32

# The grid on the relational probe (docs/ablation.md): trunk, DropBlock+,
# the first-order non-local rival, SONA placements, the full model and the
# global-pooling baseline, five seeds each.
ablation-relational: $(STAMP)
	$(PY) tools/analysis_tools/ablation.py $(RELATIONAL_CONFIGS) \
		--seeds $(RELATIONAL_SEEDS) --jobs 2 --work-dir $(RELATIONAL_WORK_DIR) \
		--baseline $(ABLATION_DIR)/bfe_r18h-dilated_synthetic-relational.py \
		--shape 128 64 --record $(RELATIONAL_RECORD)

# The suite runs on TEST_JOBS processes (pytest-xdist), a test file to each
# at a time, so that a file's shared set-up (module fixtures) is made once.
TEST_JOBS ?= 2

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile

# The quick loop while editing: everything but the tests marked slow.
test-fast: $(STAMP)
	$(PY) -m pytest -m 'not slow'

# mutants/ is mutmut's scratch copy of the tree, rebuilt on every run.
mutation: $(STAMP)
	$(PY) -m pip install --quiet -r requirements/mutation.txt
	rm -rf mutants
	OMP_NUM_THREADS=1 $(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) \
		$(MUTANT_GLOBS)
	$(PY) tools/analysis_tools/mutation_report.py $(MUTATE) \
		--out $(MUTATION_WORK_DIR) --equivalents docs/mutation.md

lint: $(STAMP)
	$(PY) -m flake8 $(LINT_PATHS)
	$(PY) -m isort --check-only --diff $(LINT_PATHS)
	$(PY) -m yapf --diff --recursive $(LINT_PATHS)

clean:
	rm -rf work_dirs build mutants *.egg-info mmsona/.mim $(STAMP)
