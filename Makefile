# `make run` and `make test` are the two commands of the README (CONTRACT.md §1).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev check-browser clean

run: $(STAMP)
	$(PY) app.py db upgrade
	$(PY) app.py run

test: $(DEV_STAMP)
	$(PY) app.py guides check
	$(PY) -m pytest -q

install: $(STAMP)
install-dev: $(DEV_STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py wechat_bot/services/_matcher.c | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml setup.py wechat_bot/services/_matcher.c | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
