# Two commands: `make run` starts the dashboard with one local worker; `make test` runs the tests.
# Both create .venv and install the pinned requirements first (once, and again when they change).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements

CHROMIUM := /usr/bin/chromium

.PHONY: run test worker clean bench-pages

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

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest

bench-pages: $(STAMP)
	$(PY) -m benchmarks.pages

clean:
	rm -rf $(VENV) .pytest_cache
