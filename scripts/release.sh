#!/usr/bin/env bash
# Cross-compiles one executable per target with `bun build --compile` and writes SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."
BUN=node_modules/.bin/bun
mkdir -p dist
targets=("linux-x64:rpcapd-linux-x64" "linux-arm64:rpcapd-linux-arm64" "windows-x64:rpcapd-windows-x64.exe")
for entry in "${targets[@]}"; do
	target=${entry%%:*}
	out=${entry#*:}
	"$BUN" build --compile --minify-syntax --target="bun-$target" src/cli/main.ts --outfile "dist/$out" > /dev/null
	echo "built dist/$out"
done
(cd dist && sha256sum rpcapd-linux-x64 rpcapd-linux-arm64 rpcapd-windows-x64.exe > SHA256SUMS)
cat dist/SHA256SUMS
