# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BOT := $(VENV)/bin/referral-bot

.PHONY: run chat test lint check bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

## run: the bot in Slack/Telegram when tokens are configured, otherwise a console chat on the example data
run: $(VENV)/.installed
	$(BOT) run

chat: $(VENV)/.installed
	$(BOT) chat

## test: lint, type-check, validate the shipped rules/directory, run the test suite (with
## branch coverage), then the suite on Python 3.12 and 3.13 and on the lowest declared
## dependency versions
test: $(VENV)/.installed
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench
	$(VENV)/bin/mypy bot
	$(BOT) check directory rules
	$(VENV)/bin/pytest -q --cov --cov-report=term --cov-fail-under=92
	bash .ci/other_pythons.sh

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
