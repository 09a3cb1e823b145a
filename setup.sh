#!/usr/bin/env bash
# One-step setup: create .venv, install agentkit with its dev tools, then either run
# agentkit with the given arguments or run the whole test suite.
#
#   ./setup.sh run "plan a trip"     # set up, then: agentkit run "plan a trip"
#   ./setup.sh test                  # set up, then: lint, type-check and all tests
set -euo pipefail
cd "$(dirname "$0")"

# The shell/python tools run inside bubblewrap where it works (docs/sandbox.md). Install
# it when missing and we may: root on a Debian-like system. Otherwise they fall back to
# the unsandboxed process-group mode, and `agentkit doctor` says so.
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; } \
        >/dev/null 2>&1 || echo "setup.sh: could not install bubblewrap; commands run unsandboxed" >&2
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
# llama-cpp-python compiles llama.cpp on first install (about 6 minutes on 2 cores);
# pip caches the wheel, so later installs take seconds.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

if [ "${1:-}" = "test" ]; then
    shift
    # The MCP tests run third-party MCP software from npm (server-everything, the
    # conformance suite, and a Node 22 for it); npm ci again only when the lock changed.
    if command -v npm >/dev/null 2>&1 && { [ ! -f tests/mcp/node_modules/.package-lock.json ] \
        || [ tests/mcp/package-lock.json -nt tests/mcp/node_modules/.package-lock.json ]; }; then
        npm ci --prefix tests/mcp --no-audit --no-fund --loglevel=error
    fi
    export PATH="$PWD/.venv/bin:$PATH"
    ruff check .
    ruff format --check .
    mypy
    exec pytest -q "$@"
fi
exec .venv/bin/agentkit "$@"
