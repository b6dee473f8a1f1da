# The README's commands. Everything is installed by these targets; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
RASA_PY := .venv/rasa/bin/python
SVC_PY := .venv/svc/bin/python
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1
# No telemetry or crash reports leave the machine (Rasa sends both by default).
export RASA_TELEMETRY_ENABLED := false

.PHONY: help system-deps venvs train run test test-svc test-rasa test-nlu validate bench clean

help:
	@echo "make run    install, load demo data, train if needed, start every service"
	@echo "make test   install and run the whole test suite (what CI runs)"
	@echo "make train  train the Rasa model into models/ (only if inputs changed; FORCE=1 to force)"
	@echo "make bench  run the benchmarks and write reports/bench/"

venvs: system-deps
	@bash scripts/ensure_venv.sh rasa
	@bash scripts/ensure_venv.sh svc

# Debian's chromium drives the browser tests (Playwright's own browser download is not
# used); a CJK font lets pages render Chinese. Installed only when missing; needs root or
# sudo, as on the project's machines.
system-deps:
	@{ command -v chromium && fc-list :lang=zh | grep -q .; } >/dev/null 2>&1 \
	  || bash scripts/install_system_deps.sh

train: venvs
	@$(RASA_PY) scripts/train_if_needed.py $(if $(FORCE),--force,)

run: train
	@$(SVC_PY) -m stack run

validate: venvs
	.venv/rasa/bin/rasa data validate 2>&1 | tail -n 20; \
	  exit $${PIPESTATUS[0]}

test: train
	@bash scripts/test.sh

bench: train
	@$(SVC_PY) -m bench

clean:
	rm -rf models results reports/bench var .pytest_cache
