# rpcapd — build, test, demo, release. Every target installs what it needs first (scripts/setup.sh).

BUN := node_modules/.bin/bun
BIN := node_modules/.bin
SOURCES := $(shell find src ffi -type f \( -name '*.ts' -o -name '*.c' \)) package.json

.PHONY: all setup setup-interop test typecheck lint unit build release demo bench clean

all: build

setup:
	@scripts/setup.sh

setup-interop:
	@scripts/setup.sh --with-interop

typecheck: setup
	$(BIN)/tsc --noEmit -p .

lint: setup
	$(BIN)/biome check --error-on-warnings .

# The whole suite: type-check, lint, then every test (unit, conformance, integration, interop) with one runner,
# so its own pass/fail counts are the suite's.
test: setup-interop typecheck lint
	@set -a; . ./.cache/interop.env; set +a; $(BUN) test --timeout 120000

build: dist/rpcapd

dist/rpcapd: $(SOURCES) | setup
	$(BUN) build --compile --minify-syntax src/cli/main.ts --outfile dist/rpcapd

release: setup
	scripts/release.sh

demo: build
	scripts/demo.sh

bench: build setup-interop
	scripts/bench.sh

clean:
	rm -rf dist .cache
