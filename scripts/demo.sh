#!/usr/bin/env bash
# Demo: a collector and an active-mode daemon on this machine (loopback), some UDP traffic, demo.pcap, live view,
# a capinfos-style summary, then both stopped cleanly. Needs root (capture on lo) and the built ./dist/rpcapd.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${RPCAPD_BIN:-./dist/rpcapd}
COLLECT_PORT=${DEMO_COLLECT_PORT:-42003}
TRAFFIC_PORT=${DEMO_TRAFFIC_PORT:-42999}
OUT=${DEMO_OUT:-demo.pcap}
PACKETS=${DEMO_PACKETS:-2000}

say() { printf '\ndemo: %s\n' "$*"; }
fail() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

[ -x "$BIN" ] || fail "$BIN not found (run 'make demo', which builds it first)"
[ "$(id -u)" -eq 0 ] || fail "capturing on lo needs root"
if command -v ss > /dev/null && ss -Htln "sport = :$COLLECT_PORT" | grep -q .; then
	fail "port $COLLECT_PORT is in use (set DEMO_COLLECT_PORT)"
fi

work=$(mktemp -d)
collector_pid=""
daemon_pid=""
# Only our own two processes are ever signalled, by PID.
cleanup() {
	for pid in $collector_pid $daemon_pid; do
		if kill -0 "$pid" 2> /dev/null; then kill -TERM "$pid" 2> /dev/null || true; fi
	done
	wait 2> /dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

rm -f "$OUT"

say "starting the collector: $BIN collect --listen 127.0.0.1:$COLLECT_PORT -w $OUT 'udp port $TRAFFIC_PORT'"
"$BIN" collect --listen "127.0.0.1:$COLLECT_PORT" -w "$OUT" --view table --stats-interval 1 --stats-poll 1 \
	"udp port $TRAFFIC_PORT" 2> "$work/collector.log" &
collector_pid=$!
sleep 1

say "starting the daemon in active mode: $BIN -n -v --active 127.0.0.1:$COLLECT_PORT --ifname lo"
"$BIN" -n -v --active "127.0.0.1:$COLLECT_PORT" --ifname lo 2> "$work/daemon.log" &
daemon_pid=$!
sleep 2

say "sending $PACKETS UDP datagrams to 127.0.0.1:$TRAFFIC_PORT"
# bash's /dev/udp: one datagram per redirection, no extra tools needed.
for ((i = 1; i <= PACKETS; i++)); do
	printf 'rpcapd demo packet %06d' "$i" > "/dev/udp/127.0.0.1/$TRAFFIC_PORT" 2> /dev/null || true
	if ((i % 100 == 0)); then sleep 0.1; fi
done
sleep 2

say "stopping the collector, then the daemon"
kill -TERM "$collector_pid"
collector_status=0
wait "$collector_pid" || collector_status=$?
collector_pid=""
kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=""
sed 's/^/  /' "$work/collector.log"
[ "$collector_status" -eq 0 ] || fail "the collector exited with status $collector_status"
[ "$daemon_status" -eq 0 ] || { sed 's/^/  /' "$work/daemon.log"; fail "the daemon exited with status $daemon_status"; }

say "summary of $OUT"
if command -v capinfos > /dev/null; then
	capinfos "$OUT"
else
	ls -l "$OUT"
fi
[ -s "$OUT" ] || fail "$OUT is empty"
grep -q "packets written" "$work/collector.log" || fail "no summary from the collector"
if grep -q "^rpcapd collect: 0 packets written" "$work/collector.log"; then fail "no packets were captured"; fi
say "done: $OUT"
