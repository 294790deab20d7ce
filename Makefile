# Muzaic Studio. `make run` and `make test` each set up everything they need.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3
DEMO := muzaic_studio/data/demo.muzaic

.PHONY: run test bench lint format deps venv clean demo-mp3

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

deps:
	@bash scripts/debian-deps.sh

## Start the app on the demo project (offline engine unless a key is set).
run: deps venv
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ -n "$$QT_QPA_PLATFORM" ]; then \
		$(VENV)/bin/muzaic-studio $(DEMO); \
	else \
		echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): rendering the demo instead."; \
		$(VENV)/bin/muzaic-studio render $(DEMO) -o demo.mp3 --offline --no-save && \
		echo "Wrote $$(pwd)/demo.mp3. On a desktop session, 'make run' opens the editor."; \
	fi

demo-mp3: venv
	$(VENV)/bin/muzaic-studio render $(DEMO) -o demo.mp3 --offline --no-save

## Lint, the Qt-free-core contract, and the whole test suite, headless: everything but
## the GUI with PySide6 made unimportable (the core must run where no Qt is installed),
## then the GUI's tests.
test: deps venv lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:pytest-qt -p tests.without_qt --ignore=tests/ui
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/ui

lint: venv
	$(VENV)/bin/ruff check muzaic_studio tests bench packaging
	$(VENV)/bin/ruff format --check muzaic_studio tests bench packaging
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff check --fix muzaic_studio tests bench packaging
	$(VENV)/bin/ruff format muzaic_studio tests bench packaging

## Benchmarks: ratios against baselines measured in the same run (not part of `make test`).
bench: deps venv
	@failed=""; for f in bench/bench_*.py; do QT_QPA_PLATFORM=offscreen $(PY) $$f || failed="$$failed $$f"; done; \
	if [ -n "$$failed" ]; then echo "Goals missed in:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

-include packaging/Makefile.inc
