#!/usr/bin/env bash
# Demo (placeholder until the daemon exists): shows the interfaces this machine can capture on.
set -euo pipefail
cd "$(dirname "$0")/.."
./dist/rpcapd list
