#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian machine with Node/npm and root:
# Bun and the JS dependencies from npm (lockfile), libpcap/tcpdump/tshark/traffic tools from apt when missing,
# and the RPCAP interoperability kit (libpcap's client and the reference rpcapd) from ../shared/interop.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

stamp=node_modules/.rpcapd-setup-stamp
if [ ! -x node_modules/.bin/bun ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
	say "installing JS dependencies (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	touch "$stamp"
fi

packages=(libpcap0.8 libpcap-dev tcpdump tshark netsniff-ng tcpreplay iproute2 openssl nftables file)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]} (apt)"
	export DEBIAN_FRONTEND=noninteractive
	echo "wireshark-common wireshark-common/install-setuid boolean false" | as_root debconf-set-selections
	if ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" > /dev/null; then
		as_root apt-get update -q > /dev/null
		as_root apt-get install -y -q --no-install-recommends "${missing[@]}" > /dev/null
	fi
fi

# The shared kit: $RPCAPD_SHARED_DIR, else ../shared (CI checks it out beside the project), else, for a clone of a
# local checkout (git clone . "$(mktemp -d)"), the one beside the checkout it was cloned from.
shared_dir() {
	if [ -n "${RPCAPD_SHARED_DIR:-}" ]; then echo "$RPCAPD_SHARED_DIR"; return; fi
	if [ -d ../shared ]; then echo ../shared; return; fi
	local origin
	origin=$(git remote get-url origin 2>/dev/null || true)
	if [ -n "$origin" ] && [ -d "$origin/../shared" ]; then echo "$origin/../shared"; return; fi
	echo ../shared
}

if [ "${1:-}" = "--with-interop" ]; then
	interop="$(shared_dir)/interop/build.sh"
	[ -x "$interop" ] || { say "error: $interop not found (check ../shared out beside the project, or set RPCAPD_SHARED_DIR)"; exit 1; }
	mkdir -p .cache
	as_root "$interop" > .cache/interop.env
	say "interop kit: $(tr '\n' ' ' < .cache/interop.env)"
fi
