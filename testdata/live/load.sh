#!/usr/bin/env bash
# Load test of "esaflow live" against tcpdump, on a veth pair between two
# network namespaces created here (lsnd -> lrcv). Nothing outside those two
# namespaces is touched. Needs root, tcpreplay, tcpdump, editcap, ethtool,
# jq, Go with cgo and libpcap-dev. See docs/live-load.md for the results.
#
#   sudo bash testdata/live/load.sh            # matrix, then two soaks (immediate, batched): ~50 min
#   sudo bash testdata/live/load.sh matrix     # only the rate matrix
#   sudo bash testdata/live/load.sh soak       # only the soak (KEEP_PCAP=1 keeps $RUN/soak.pcap)
#   bash testdata/live/load.sh table           # markdown tables of $RUN/matrix.tsv
#
# Settings (environment):
#   RUN=/tmp/esaflow-load     work dir: binary, cuts, outputs (keep it out of the repo)
#   PCAP=testdata/bench/smtp-1024MiB-gen2.pcap   capture to replay
#   RATES="50 100 200 300 400 top"              Mbit/s; "top" is --topspeed (tcpreplay tops out near 450 here)
#   SETTINGS="imm:32 bat:32 imm:256 bat:256 imm:4 imm:32:gso bat:32:gso"
#                             esaflow mode:buffer MiB (tcpdump gets the same -B);
#                             a third field sNNN adds --snaplen NNN to esaflow, "gso" turns GSO/TSO on
#                             for lrcv0 (its transmit side, unused) so that libpcap sizes its immediate-
#                             mode (TPACKET_V2) frames by the snap length as on a NIC with offloads
#   RUNS=2                    runs per cell
#   SECS=10                   target replay length per cell (the cut grows with the rate)
#   SOAK_SECS=600 SOAK_MBPS=50 SOAK_PKTS=300000  soak length, rate, size of the looped cut
#   SOAK_MODE=imm SOAK_BUF=32  esaflow's mode (imm or bat) and buffer for "soak"; outputs are
#                             $RUN/soak-$SOAK_MODE$SOAK_BUF* ("all" soaks imm, then bat)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${RUN:-/tmp/esaflow-load}
PCAP=${PCAP:-$ROOT/testdata/bench/smtp-1024MiB-gen2.pcap}
RATES=${RATES:-"50 100 200 300 400 top"}
SETTINGS=${SETTINGS:-"imm:32 bat:32 imm:256 bat:256 imm:4 imm:32:gso bat:32:gso"}
RUNS=${RUNS:-2}
SECS=${SECS:-10}
SOAK_SECS=${SOAK_SECS:-600}
SOAK_MBPS=${SOAK_MBPS:-50}
SOAK_PKTS=${SOAK_PKTS:-300000}
SOAK_MODE=${SOAK_MODE:-imm} SOAK_BUF=${SOAK_BUF:-32}
MODE=${1:-all}
SND=lsnd RCV=lrcv
FILTER="tcp and (port 25 or port 465 or port 587 or port 2525)" # esaflow's default

# table: the matrix as markdown, one table per setting, then the highest
# rate each tool kept up at (0 kernel drops in every run at it and below).
table() {
	awk -F'\t' '
	NR == 1 { next }
	{
		key = $1 " " $2
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		rows[key] = rows[key] sprintf("| %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s (%d%%) | %s | %s | %s |\n",
			$3 == "top" ? "topspeed" : $3, $4, $6, $8, $11, $12, $14, $15, $9, $10, $17, 100 * $17 / $7, $18, $19, $20)
		r = $3 == "top" ? 1e9 : $3
		if ($12 > 0 && (!(key in tdbad) || r < tdbad[key])) tdbad[key] = r
		if ($15 > 0 && (!(key in esbad) || r < esbad[key])) esbad[key] = r
		rates[key] = rates[key] " " r
	}
	function ok(key, bad,   a, i, best, m) {
		m = split(rates[key], a, " "); best = "none"
		for (i = 1; i <= m; i++) if ((!(key in bad) || a[i] < bad[key]) && (best == "none" || a[i] > best)) best = a[i]
		return best == 1e9 ? "topspeed" : best == "none" ? best : best " Mbit/s"
	}
	END {
		for (i = 1; i <= n; i++) {
			split(order[i], k, " ")
			m = k[1]; x = ""; if (split(m, mm, ":") > 1) { m = mm[1]; x = mm[2] == "gso" ? ", GSO/TSO on lrcv0" : ", --snaplen " substr(mm[2], 2) }
			printf "\n#### %s mode, --buffer-size %s%s (tcpdump -B %d)\n\n", m == "bat" ? "esaflow batched" : "esaflow immediate", k[2], x, k[2] * 1024
			print "| rate (Mbit/s) | run | packets sent | achieved Mbit/s | tcpdump recv / dropped | esaflow recv / dropped | veth rx / rx dropped | esaflow CPU s (% of replay) | esaflow max RSS MiB | esaflow records | drop warnings |"
			print "|---|---|---|---|---|---|---|---|---|---|---|"
			printf "%s", rows[order[i]]
		}
		print "\n| setting | tcpdump keeps up to | esaflow keeps up to |"
		print "|---|---|---|"
		for (i = 1; i <= n; i++) printf "| %s | %s | %s |\n", order[i], ok(order[i], tdbad), ok(order[i], esbad)
	}' "$RUN/matrix.tsv"
}
[ "$MODE" = table ] && { table; exit 0; }

[ "$(id -u)" = 0 ] || { echo "load.sh: run as root" >&2; exit 2; }
for t in tcpreplay tcpdump editcap capinfos ethtool jq go ip; do
	command -v $t >/dev/null || { echo "load.sh: $t missing (apt-get install tcpreplay tcpdump tshark ethtool jq)" >&2; exit 2; }
done
if [ ! -f "$PCAP" ]; then
	echo "load.sh: $PCAP missing; generating it (make bench)" >&2
	(cd "$ROOT" && go run ./internal/benchrun -dir testdata/bench -checks throughput -runs 1 -others=false)
fi
mkdir -p "$RUN"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

PIDS=() ES_EXTRA=()
cleanup() {
	local p
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	ip netns del $SND 2>/dev/null || true
	ip netns del $RCV 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_netns() {
	ip netns del $SND 2>/dev/null || true
	ip netns del $RCV 2>/dev/null || true
	ip netns add $SND
	ip netns add $RCV
	ip link add lsnd0 netns $SND type veth peer name lrcv0 netns $RCV
	local ns dev
	for ns in $SND $RCV; do
		dev=${ns}0
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n $ns link set lo up
		ip -n $ns link set $dev mtu 9000
		ip netns exec $ns ethtool -K $dev rx off tx off tso off gso off gro off sg off >/dev/null 2>&1 || true
		ip -n $ns link set $dev up
	done
	ip netns exec $RCV ethtool -K lrcv0 lro off >/dev/null 2>&1 || true
}

build() {
	log "building esaflow"
	(cd "$ROOT" && CGO_ENABLED=1 go build -o "$RUN/esaflow" ./cmd/esaflow)
}

# cut N: the first N packets of $PCAP (all of it when N >= its count).
TOTAL_PKTS=
cut_for() {
	local n=$1 out
	[ -n "$TOTAL_PKTS" ] || TOTAL_PKTS=$(capinfos -c -M "$PCAP" | awk '/Number of packets/ {print $NF}')
	if [ "$n" -ge "$TOTAL_PKTS" ]; then echo "$PCAP"; return; fi
	out=$RUN/cut-$n.pcap
	[ -s "$out" ] || editcap -r "$PCAP" "$out" 1-"$n"
	echo "$out"
}

# wait_for FILE STRING: until STRING appears in FILE (10 s at most).
wait_for() {
	local i
	for i in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "load.sh: timeout waiting for '$2' in $1" >&2
	cat "$1" >&2
	return 1
}

# rxstats: rx_packets rx_dropped of lrcv0 and tx_dropped of lsnd0.
rxstats() {
	echo "$(ip netns exec $RCV cat /sys/class/net/lrcv0/statistics/rx_packets) $(ip netns exec $RCV cat /sys/class/net/lrcv0/statistics/rx_dropped) $(ip netns exec $SND cat /sys/class/net/lsnd0/statistics/tx_dropped)"
}

# start_capture TAG MODE BUF [extra tcpdump -w file]: starts tcpdump and esaflow in lrcv,
# both wrapped in GNU time (CPU seconds, max RSS); sets TD_PID, ES_PID (the tools' own pids).
start_capture() {
	local tag=$1 mode=$2 buf=$3 tdout=${4:-/dev/null} batched=() tp ep
	# imm: libpcap's immediate mode (TPACKET_V2), --immediate since eed373c (before
	# it, the default); bat: blocks (TPACKET_V3), the default since eed373c (before
	# it, --batched). Set OLD_FLAGS=1 to test a build from before eed373c.
	if [ -n "${OLD_FLAGS:-}" ]; then
		[ "$mode" = bat ] && batched=(--batched)
	else
		[ "$mode" = imm ] && batched=(--immediate)
	fi
	batched+=("${ES_EXTRA[@]}")
	ip netns exec $RCV /usr/bin/time -f "TIME %U %S %M" -o "$RUN/$tag.td.time" \
		tcpdump -i lrcv0 -w "$tdout" -B $((buf * 1024)) -s 262144 "$FILTER" 2>"$RUN/$tag.td.err" &
	tp=$!
	PIDS+=("$tp")
	ip netns exec $RCV /usr/bin/time -f "TIME %U %S %M" -o "$RUN/$tag.es.time" \
		"$RUN/esaflow" live -i lrcv0 --promisc --format jsonl --buffer-size "$buf" "${batched[@]}" \
		>"$RUN/$tag.jsonl" 2>"$RUN/$tag.es.err" &
	ep=$!
	PIDS+=("$ep")
	wait_for "$RUN/$tag.td.err" "listening on"
	wait_for "$RUN/$tag.es.err" "capturing on"
	TD_PID=$(pgrep -P "$tp" -x tcpdump)
	ES_PID=$(pgrep -P "$ep" -x esaflow)
	TD_WRAP=$tp ES_WRAP=$ep
}

stop_capture() {
	kill -INT "$TD_PID" "$ES_PID" 2>/dev/null || true
	wait "$TD_WRAP" "$ES_WRAP" 2>/dev/null || true
}

# stats of one cell, as "key=value" words.
td_stats() { # received dropped
	local f=$1
	echo "$(awk '/packets received by filter/ {print $1}' "$f") $(awk '/packets dropped by kernel/ {print $1}' "$f")"
}
es_stats() {
	sed -n 's/^libpcap: \([0-9]*\) packets received, \([0-9]*\) dropped by the kernel, \([0-9]*\) dropped by the interface.*/\1 \2 \3/p' "$1" | tail -1
}
cpu_of() { awk '/^TIME/ {printf "%.2f %d\n", $2 + $3, $4 / 1024}' "$1"; }

matrix() {
	local out=$RUN/matrix.tsv rate setting mode buf run pkts cut tag sent secs rated r0 r1 rx
	[ -s "$out" ] || printf 'mode\tbuf_mib\trate\trun\tcut_pkts\tsent\treplay_s\tactual_mbps\tveth_rx\tveth_rx_drop\ttd_recv\ttd_drop\ttd_cpu_s\tes_recv\tes_drop\tes_ifdrop\tes_cpu_s\tes_maxrss_mib\tes_records\tes_drop_warnings\n' >"$out"
	for setting in $SETTINGS; do
		IFS=: read -r mode buf extra <<<"$setting"
		ES_EXTRA=()
		ip netns exec $RCV ethtool -K lrcv0 sg off tso off gso off >/dev/null 2>&1 || true
		case $extra in
		s[0-9]*) ES_EXTRA=(--snaplen "${extra#s}") ;;
		gso) ip netns exec $RCV ethtool -K lrcv0 sg on tso on gso on >/dev/null 2>&1 ;;
		"") ;;
		*) echo "load.sh: unknown setting $setting" >&2; exit 2 ;;
		esac
		for rate in $RATES; do
			for run in $(seq "$RUNS"); do
				if [ "$rate" = top ]; then
					pkts=1000000000 speed=(--topspeed)
				else
					# packets for about $SECS seconds at this rate (448 bytes/frame on average)
					pkts=$((rate * 1000000 / 8 * SECS / 448)) speed=(--mbps="$rate")
				fi
				cut=$(cut_for "$pkts")
				tag=m-$mode-$buf${extra:+-$extra}-$rate-$run
				log "matrix: $mode buffer ${buf} MiB, rate $rate, run $run ($(basename "$cut"))"
				start_capture "$tag" "$mode" "$buf"
				r0=$(rxstats)
				ip netns exec $SND tcpreplay -i lsnd0 -K "${speed[@]}" "$cut" >"$RUN/$tag.replay" 2>&1 || true
				sleep 3 # let both drain the buffer
				r1=$(rxstats)
				stop_capture
				sent=$(awk '/Actual:/ {print $2}' "$RUN/$tag.replay")
				secs=$(awk '/Actual:/ {for (i = 1; i <= NF; i++) if ($i == "sent") print $(i + 2)}' "$RUN/$tag.replay")
				rated=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /Mbps/) print $(i - 1)}' "$RUN/$tag.replay" | head -1)
				rx=$(awk -v a="$r0" -v b="$r1" 'BEGIN {split(a, x, " "); split(b, y, " "); printf "%d\t%d", y[1] - x[1], (y[2] - x[2]) + (y[3] - x[3])}')
				read -r tdr tdd < <(td_stats "$RUN/$tag.td.err")
				read -r esr esd esi < <(es_stats "$RUN/$tag.es.err")
				read -r tdc _ < <(cpu_of "$RUN/$tag.td.time")
				read -r esc esm < <(cpu_of "$RUN/$tag.es.time")
				printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
					"$mode${extra:+:$extra}" "$buf" "$rate" "$run" "$pkts" "$sent" "$secs" "$rated" "$rx" \
					"$tdr" "$tdd" "$tdc" "$esr" "$esd" "$esi" "$esc" "$esm" \
					"$(wc -l <"$RUN/$tag.jsonl")" "$(grep -c 'warning:.*dropped' "$RUN/$tag.es.err" || true)" >>"$out"
				tail -1 "$out" >&2
			done
		done
	done
	log "matrix done: $out"
	column -t -s $'\t' "$out"
}

verdicts() { jq -r '.verdict' "$1" | sort | uniq -c | awk '{print $2 "\t" $1}' | sort; }
tuples() { jq -r '[.client, .client_port, .server, .server_port, .verdict, .outcome] | @tsv' "$1" | sort; }

soak() {
	local cut tag=soak-$SOAK_MODE$SOAK_BUF t0 now rss
	rss=$RUN/$tag-rss.tsv
	ip netns exec $RCV ethtool -K lrcv0 sg off tso off gso off >/dev/null 2>&1 || true # as set up
	cut=$(cut_for "$SOAK_PKTS")
	rm -f "$RUN/soak.pcap"
	log "soak ($SOAK_MODE, ${SOAK_BUF} MiB): ${SOAK_SECS}s at ${SOAK_MBPS} Mbit/s, looping $(basename "$cut") with --unique-ip"
	start_capture "$tag" "$SOAK_MODE" "$SOAK_BUF" "$RUN/soak.pcap"
	# No -K (--preload-pcap) here: with it, tcpreplay 4.4's --unique-ip edits the
	# cached packets in place and picks each packet's direction from the edited
	# IPv6 low 32 bits, which wrap (2001:db8::25 shrinks by one a loop): from loop
	# 19 on, the two directions of every IPv6 connection get different addresses,
	# one-sided halves that stay open until the idle timeout (docs/live-load.md).
	# Read from the file, each loop is edited from the original packets, the same
	# way in both directions.
	ip netns exec $SND tcpreplay -i lsnd0 --mbps="$SOAK_MBPS" --loop=100000 --unique-ip \
		--duration="$SOAK_SECS" "$cut" >"$RUN/$tag.replay" 2>&1 &
	local rp=$!
	PIDS+=("$rp")
	t0=$(date +%s)
	printf 'elapsed_s\tesaflow_rss_kib\trecords_so_far\n' >"$rss"
	while kill -0 "$rp" 2>/dev/null; do
		now=$(date +%s)
		printf '%d\t%s\t%s\n' $((now - t0)) "$(ps -o rss= -p "$ES_PID" | tr -d ' ')" "$(wc -l <"$RUN/$tag.jsonl")" >>"$rss"
		sleep 10
	done
	wait "$rp" || true
	sleep 3
	printf '%d\t%s\t%s\n' $(($(date +%s) - t0)) "$(ps -o rss= -p "$ES_PID" | tr -d ' ')" "$(wc -l <"$RUN/$tag.jsonl")" >>"$rss"
	stop_capture
	# --idle-timeout 5m: live's default (analyze's is 10m), so that a 4-tuple that
	# recurs after 5-10 idle minutes is split the same way in both
	log "soak: analyzing $(du -h "$RUN/soak.pcap" | cut -f1) of soak.pcap"
	/usr/bin/time -f "TIME %U %S %M" -o "$RUN/$tag-analyze.time" \
		"$RUN/esaflow" analyze --format jsonl --idle-timeout 5m "$RUN/soak.pcap" >"$RUN/$tag-analyze.jsonl" 2>"$RUN/$tag-analyze.err" || true
	{
		echo "== replay"; grep -E 'Actual|Rated|Failed|Retried' "$RUN/$tag.replay" || true
		echo "== tcpdump"; grep -E 'packets' "$RUN/$tag.td.err" || true; cat "$RUN/$tag.td.time"
		echo "== esaflow live"; grep -E '^libpcap' "$RUN/$tag.es.err" || true; cat "$RUN/$tag.es.time"
		echo "== esaflow analyze"; cat "$RUN/$tag-analyze.time"
		echo "drop warnings: $(grep -c 'warning:.*dropped' "$RUN/$tag.es.err" || true)"
		echo "== RSS KiB min/max: $(awk 'NR > 1 && $2 != "" {if (!mn || $2 < mn) mn = $2; if ($2 > mx) mx = $2} END {print mn, mx}' "$rss")"
		echo "== verdicts: live vs analyze"
		join -a1 -a2 -e0 -o 0,1.2,2.2 -t $'\t' <(verdicts "$RUN/$tag.jsonl") <(verdicts "$RUN/$tag-analyze.jsonl")
		echo "records: live $(wc -l <"$RUN/$tag.jsonl"), analyze $(wc -l <"$RUN/$tag-analyze.jsonl")"
		diff <(tuples "$RUN/$tag.jsonl") <(tuples "$RUN/$tag-analyze.jsonl") >"$RUN/$tag-diff.txt" || true
		echo "connections (4-tuple+verdict+outcome) only in live: $(grep -c '^<' "$RUN/$tag-diff.txt" || true), only in analyze: $(grep -c '^>' "$RUN/$tag-diff.txt" || true) (lines in $RUN/$tag-diff.txt)"
	} | tee "$RUN/$tag-summary.txt"
	[ -n "${KEEP_PCAP:-}" ] || rm -f "$RUN/soak.pcap" # big; the figures are kept (KEEP_PCAP=1 keeps it)
}

setup_netns
build
case $MODE in
matrix) matrix ;;
soak) soak ;;
all) matrix; SOAK_MODE=imm soak; SOAK_MODE=bat soak ;;
*) echo "usage: load.sh [matrix|soak|all|table]" >&2; exit 2 ;;
esac
