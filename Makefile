# Every target creates or reuses .venv and reinstalls only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench serve venv clean browser voice-tools

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: a CPU wheel; left to the resolver it could pull GBs of CUDA wheels.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/agentfloor demo

serve: $(STAMP)
	$(BIN)/agentfloor serve

# Browser tests drive Debian's chromium (Playwright with its executable path; no browser download).
# Installed with apt-get when missing; where that is impossible the browser tests skip and say why.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null && \
		{ apt-get install -y -q chromium >/dev/null 2>&1 || \
		  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
		  sudo -n apt-get install -y -q chromium >/dev/null 2>&1 || \
		  echo "chromium could not be installed; browser tests will be skipped"; }; } || true

# Voice tests speak with Debian's flite (the `slt` voice); installed with apt-get when missing.
# Where that is impossible the voice tests skip and say why.
FLITE ?= /usr/bin/flite
voice-tools:
	@test -x $(FLITE) || { command -v apt-get >/dev/null && \
		{ apt-get install -y -q flite >/dev/null 2>&1 || \
		  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q flite >/dev/null 2>&1; } || \
		  sudo -n apt-get install -y -q flite >/dev/null 2>&1 || \
		  echo "flite could not be installed; voice tests will be skipped"; }; } || true

test: $(STAMP) browser voice-tools
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/crm_lookup.py
	$(BIN)/python benchmarks/routing.py
	$(BIN)/python benchmarks/chat.py
	$(BIN)/python benchmarks/erlang.py
	$(BIN)/python benchmarks/schedule.py
	$(BIN)/python benchmarks/sim.py
	$(BIN)/python benchmarks/voice.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
