#!/usr/bin/env bash
# One command from a fresh clone to a running server: installs what is missing, builds
# (release), and serves FHIR R4 at http://127.0.0.1:8080/fhir with an embedded PostgreSQL
# under ./.vesta. Any argument is passed to `vesta serve` (see `vesta serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release --product vesta
exec .build/release/vesta serve "$@"
