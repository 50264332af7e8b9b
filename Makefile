# The checks and tests a change needs before review; `make check` is what CI runs besides the tests.
# Benchmarks take the machine-wide CPU lock, so they never overlap with another heavy run.
PYTHON ?= python
# Not PIP_COMPILE: pip reads PIP_* variables as its own options.
PIPCOMPILE ?= pip-compile
PYTEST_ARGS ?=
BENCH_ARGS ?=
LOCK_OPTIONS = --quiet --strip-extras --generate-hashes --no-emit-index-url --no-emit-find-links

.PHONY: check test lock bench bench-quick

check:
	ruff check .
	ruff format --check .
	lint-imports
	mypy

# The README's test command.
test:
	$(PYTHON) -m pip install -q -e '.[test]' && $(PYTHON) -m pytest $(PYTEST_ARGS)

# After a dependency changes in pyproject.toml. pip-tools stays out of the project's venv:
#   python3 -m venv /tmp/pt && /tmp/pt/bin/pip install pip-tools
#   make lock PIPCOMPILE=/tmp/pt/bin/pip-compile
# The dev extra names the test extra as gcm-intake[test]: the package itself is not pinned.
lock: export CUSTOM_COMPILE_COMMAND = make lock
lock:
	$(PIPCOMPILE) $(LOCK_OPTIONS) --allow-unsafe --extra production -o requirements/base.txt pyproject.toml
	$(PIPCOMPILE) $(LOCK_OPTIONS) --no-allow-unsafe --unsafe-package gcm-intake \
		--extra production --extra dev -c requirements/base.txt -o requirements/dev.txt pyproject.toml

bench:
	flock /tmp/cpu.lock $(PYTHON) -m bench $(BENCH_ARGS)

bench-quick:
	$(PYTHON) -m bench --quick $(BENCH_ARGS)
