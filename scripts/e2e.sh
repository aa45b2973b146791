#!/usr/bin/env bash
# End-to-end tests: the built `vesta` binary (embedded PostgreSQL) driven over HTTP by a real
# Python FHIR client. Packages go into a private virtualenv under .build/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/e2e-venv
if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r Tests/e2e/requirements.txt
exec "$venv/bin/python" -m pytest Tests/e2e -q "$@"
