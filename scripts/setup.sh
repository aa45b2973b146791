#!/usr/bin/env bash
# Installs what Vesta needs on Debian/Ubuntu when it is missing:
#   postgresql  - the embedded database cluster (initdb, pg_ctl, postgres) and psql
#   libssl-dev  - OpenSSL 3 libcrypto headers, for encryption at rest
#   python3, python3-venv - the end-to-end tests drive the server with a Python FHIR client
#   curl, openssl - the TLS end-to-end tests make certificates and speak HTTP/2 over TLS
# Swift itself (6.1 or newer) must already be on PATH.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
curl --version 2>/dev/null | grep -q '^Features:.* HTTP2' || missing+=(curl)

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "Vesta needs these Debian packages: ${missing[*]}" >&2
        echo "Install them as root:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "Installing ${missing[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "swift is not on PATH; install Swift 6.1 or newer (https://www.swift.org/install/)" >&2
    exit 1
fi
