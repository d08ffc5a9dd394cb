#!/usr/bin/env bash
# Benchmark: our daemon and the reference C rpcapd side by side (scripts/bench/main.ts). Needs root and the interop kit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .cache/interop.env ]; then set -a; . ./.cache/interop.env; set +a; fi
exec node_modules/.bin/bun scripts/bench/main.ts "$@"
