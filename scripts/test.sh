#!/usr/bin/env bash
# One command from a fresh clone to a full test run: installs what is missing, builds, and
# runs every test: the Swift suites (the integration tests start their own throwaway
# PostgreSQL cluster: temporary directory, Unix socket only) and then the end-to-end suite,
# which drives the real binary with a Python FHIR client (scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
./scripts/e2e.sh
