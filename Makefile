# Benchmarks take the machine-wide CPU lock, so they never overlap with another heavy run.
PYTHON ?= python
BENCH_ARGS ?=

.PHONY: bench bench-quick

bench:
	flock /tmp/cpu.lock $(PYTHON) -m bench $(BENCH_ARGS)

bench-quick:
	$(PYTHON) -m bench --quick $(BENCH_ARGS)
