#!/usr/bin/env sh
# Ingest the docs into a fresh memory, then ask questions answered with cited sources.
# Usage: sh examples/docs_qa/run.sh [memory-dir]
set -e
HERE=$(dirname "$0")
MEM=${1:-${TMPDIR:-/tmp}/agentkit-docs-qa}
agentkit memory ingest "$HERE/docs" --memory-dir "$MEM"
# The planner loop: retrieves from memory, may call memory_search, cites mem-/obs- ids.
agentkit run "How long do I have to return a lamp?" --memory-dir "$MEM" --max-steps 4
# The workflow: a fixed memory_search step, then one grammar-constrained answer.
agentkit run --file "$HERE/ask.yaml" --var question="Is the bulb covered by the warranty?" --memory-dir "$MEM"
