# Convenience targets; each calls the project's own scripts.
.PHONY: run test bench bench-full

run:
	./scripts/run.sh

test:
	./scripts/test.sh

# Quick benchmark profile (100k Observations): bench/results/<date>.md and .json
bench:
	python3 bench/run.py --profile quick

# Full profile: 1M and 10M Observations (hours on a 2-core machine)
bench-full:
	python3 bench/run.py --profile full
