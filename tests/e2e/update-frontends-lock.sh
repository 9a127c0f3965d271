#!/bin/sh
# Regenerates frontends.lock (exact versions and hashes of every package the front-end venv
# needs) from frontends.in, for Debian 12's Python 3.11 on x86-64 Linux. uv runs from a
# throwaway virtual environment, so nothing is installed outside a temporary directory.
#   tests/e2e/update-frontends-lock.sh [UV_VERSION]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
uv_version=${1:-0.13.8}
tool=$(mktemp -d)
trap 'rm -rf "$tool"' EXIT
/usr/bin/python3 -m venv "$tool/venv"
"$tool/venv/bin/pip" install --quiet "uv==$uv_version"
cd "$here"
"$tool/venv/bin/uv" pip compile --quiet --generate-hashes --only-binary :all: \
    --python-version 3.11 --python-platform x86_64-manylinux_2_36 \
    --custom-compile-command "tests/e2e/update-frontends-lock.sh" \
    --output-file frontends.lock frontends.in
