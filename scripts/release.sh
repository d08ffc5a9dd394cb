#!/usr/bin/env bash
# Cross-compiles one executable per target with `bun build --compile` and writes SHA256SUMS (into dist/ or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
BUN=node_modules/.bin/bun
out=${1:-dist}
mkdir -p "$out"
targets=("linux-x64:rpcapd-linux-x64" "linux-arm64:rpcapd-linux-arm64" "windows-x64:rpcapd-windows-x64.exe")
for entry in "${targets[@]}"; do
	target=${entry%%:*}
	name=${entry#*:}
	"$BUN" build --compile --minify-syntax --target="bun-$target" src/cli/main.ts --outfile "$out/$name" > /dev/null
	echo "built $out/$name"
done
(cd "$out" && sha256sum rpcapd-linux-x64 rpcapd-linux-arm64 rpcapd-windows-x64.exe > SHA256SUMS)
cat "$out/SHA256SUMS"
