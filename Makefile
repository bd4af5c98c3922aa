# Two commands: `make run` starts the dashboard with one local worker; `make test` runs the tests.
# Both create .venv and install the pinned requirements first (once, and again when they change).
# `make test-fast` is the tier to run before every commit (< 2 min: no browser, no worker
# processes, no model training, no page tests); `make lint` is ruff, as CI runs it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements

CHROMIUM := /usr/bin/chromium

.PHONY: run test test-fast lint format worker clean bench-pages bench-people

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	cp requirements.txt $(STAMP)

run: $(STAMP)
	$(PY) -m core app

worker: $(STAMP)
	$(PY) -m core worker

# Debian's Chromium for the browser test (needs root, as on CI; elsewhere the test skips without it).
$(CHROMIUM):
	-apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium

# The suite in TEST_WORKERS processes (pytest-xdist), each test module in one of them so that a
# module's fixtures (trained models, generated clips) are built once; TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope

FAST := not slow and not pages and not training and not browser and not gpu

test-fast: $(STAMP)
	$(PY) -m pytest -m "$(FAST)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-pages: $(STAMP)
	$(PY) -m benchmarks.pages

clean:
	rm -rf $(VENV) .pytest_cache

bench-people: $(STAMP)
	$(PY) -m benchmarks.people --json benchmarks/people.json
