#!/usr/bin/env bash
# One command from a fresh clone to a full test run: installs what is missing, builds, and
# runs every test. The integration tests start their own throwaway PostgreSQL cluster
# (temporary directory, Unix socket only) and stop it when they finish.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
