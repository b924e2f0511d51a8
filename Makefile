# The two commands of the README quick start: `make run` and `make test`.
# Both create .venv on first use and reinstall only when pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
ROWS   ?= 100000

.PHONY: run test soak lint format bench docs clean checkov demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/engage run --rows $(ROWS)

test: $(VENV)/.installed-dev .venv-checkov/bin/checkov
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# A scripted tour on 3,000 customers in a temporary folder (never ./data): each step's
# command is printed so that it can be repeated by hand.
demo: $(VENV)/.installed
	$(BIN)/engage demo --rows 3000

# The slow safety suites: kill -9 at every stage boundary and inside the publish step,
# and run + serve + forget together (tests marked `soak`; about 25-30 minutes on 2 cores).
soak: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m soak

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/generate.py

docs: $(VENV)/.installed-dev
	$(BIN)/engage contract dictionary -o docs/data_dictionary.md
	$(BIN)/engage docs diagrams --out docs/diagrams
	$(BIN)/engage docs compliance

clean:
	rm -rf $(VENV) lake data .pytest_cache .ruff_cache

# checkov pins older boto3/networkx than engage, so it gets a venv of its own.
.venv-checkov/bin/checkov:
	$(PYTHON) -m venv .venv-checkov
	echo '*' > .venv-checkov/.gitignore
	.venv-checkov/bin/python -m pip install -q --disable-pip-version-check 'checkov>=3.2,<4'

# The full catalogue, less the documented skips in infra/terraform/checkov_skips.json
# (check id -> reason); tests/unit/infra/test_checkov.py runs the same command.
CHECKOV_SKIPS = $(shell $(PYTHON) -c "import json; print(','.join(sorted(json.load(open('infra/terraform/checkov_skips.json'))['skips'])))")

checkov: .venv-checkov/bin/checkov
	.venv-checkov/bin/checkov -d infra/terraform --framework terraform --skip-download --compact --quiet \
		--skip-check '$(CHECKOV_SKIPS)'
