#!/usr/bin/env bash
# wild.sh - record captures of real software "in the wild" that the main rig
# (record.sh) does not cover: one-way captures, short snap lengths, SMTP and
# non-SMTP on unusual ports, plaintext on 465, odd replies, a rotated file set
# and a client that half-closes before the greeting.
#
# Usage (as root, on Debian 12 after testdata/record/deps-wild.sh):
#     bash testdata/record/wild.sh               # every scenario
#     bash testdata/record/wild.sh NAME...       # only these scenarios
#     bash testdata/record/wild.sh --list        # scenario names
#
# What it does:
#   * builds two network namespaces joined by one veth pair (names chosen not
#     to collide with record.sh's esa/esacli/esa0/cli0):
#       wsrv  server side, veth "wsrv0": 192.0.2.25/24
#       wcli  client side, veth "wcli0": one address per scenario client
#             (198.51.100.1xx, 203.0.113.1xx); the route to the server
#             carries "src CLIENT", so every client tool uses the scenario's
#             own address without any bind option.
#     Offloads are off, so captures hold real segment sizes. No traffic
#     leaves the namespaces.
#   * runs real servers in wsrv, each with a private configuration and spool
#     under $RUN (the host's /etc configs are never touched): Postfix
#     (postfix -c), HAProxy, Exim 4, OpenSMTPD and Sendmail (the last three
#     unpacked by deps-wild.sh with dpkg -x under $PKGS, since their Debian
#     packages conflict as MTAs; popa3d likewise), Python aiosmtpd, Node.js
#     smtp-server, pyftpdlib, python3 -m http.server, openssl s_server; and
#     real clients in wcli: swaks, msmtp, s-nail, nodemailer, nc
#     (netcat-openbsd), openssl s_client, tnftp, curl. Exim, OpenSMTPD and
#     Sendmail each run in a private mount namespace (unshare -m) where a
#     compiled-in path is bound to a private one (see exim_start etc.).
#   * records with tcpdump -U -w on wsrv0 (filter "tcp"; -Q in/-Q out, -s 96/
#     -s 68 and -C 1 where the scenario says so), writes
#     testdata/captures/wild_NAME.pcap and wild_NAME.expect (format of
#     testdata/README.md) from the scenario design, never from esaflow's
#     output, and checks the number of connections and, per scenario, the
#     packets the design is about (cap_check, tshark) so that a changed tool
#     version cannot silently break a design.
#   * writes the rotated set (scenario rotated) as
#     testdata/captures/rotated/wild_rotated.pcap*.gz + rotated.expect.
#   * stops every daemon it started (by pid) and removes the namespaces on
#     exit (trap).
# testdata/record/wild/README.md lists the captures and what each shows.
#
# Environment: OUT (default testdata/captures), RUN (default
# /var/tmp/esaflow-wild, wiped at start), PKGS (default
# /var/tmp/esaflow-wild-pkgs, from deps-wild.sh), KEEP_RUN=1 keeps $RUN.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CFG=$HERE/wild
OUT=${OUT:-$(dirname "$HERE")/captures}
RUN=${RUN:-/var/tmp/esaflow-wild}
PKGS=${PKGS:-/var/tmp/esaflow-wild-pkgs}
CONF=$RUN/postfix
SNS=wsrv
CNS=wcli
SRV4=192.0.2.25
PY=/usr/bin/python3 # Debian's python3, which has aiosmtpd and pyftpdlib
EXIM=$PKGS/exim4/usr/sbin/exim4
OSMTPD=$PKGS/opensmtpd/usr/sbin/smtpd
SENDMAIL=$PKGS/sendmail/usr/libexec/sendmail/sendmail
export NODE_PATH=$PKGS/node/node_modules

SCENARIOS=(oneway snaplen odd_ports plaintext_465 odd_replies rotated halfclose)

log() { printf '[wild %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
sns() { ip netns exec "$SNS" "$@"; }
cns() { ip netns exec "$CNS" "$@"; }

# ---------------------------------------------------------------- teardown
# Every daemon started in the background is recorded in DAEMONS (pid list
# file $RUN/daemons) and stopped by its pid.
cleanup() {
  set +e
  cap_stop_all
  postfix_stop
  daemons_stop
  ip netns del "$CNS" 2>/dev/null
  ip netns del "$SNS" 2>/dev/null
  if [ "${KEEP_RUN:-0}" != 1 ]; then rm -rf "$RUN"; fi
}

# daemon NAME CMD...: start CMD in the background (in whatever namespace the
# command enters itself), remember its pid under NAME.
declare -A DAEMON_PID=()
daemon() {
  local name=$1; shift
  setsid "$@" >>"$RUN/$name.log" 2>&1 </dev/null &
  DAEMON_PID[$name]=$!
}
# daemon_stop NAME: SIGTERM to the process group it leads (setsid), then wait.
daemon_stop() {
  local name=$1 pid=${DAEMON_PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "DAEMON_PID[$name]"
}
daemons_stop() {
  local n
  for n in "${!DAEMON_PID[@]}"; do daemon_stop "$n"; done
  haproxy_stop
  exim_stop
  sendmail_stop
  popa3d_stop
}

# ---------------------------------------------------------------- network
link_up() {
  local ns=$1 dev=$2
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off tso off gro off >/dev/null 2>&1 ||
    ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off gro off >/dev/null
  ip -n "$ns" link set "$dev" up
}

CLIENTS=(198.51.100.101 198.51.100.102 198.51.100.103
  198.51.100.110 198.51.100.112 198.51.100.113 198.51.100.114
  198.51.100.120 198.51.100.121 198.51.100.122 198.51.100.123 198.51.100.124
  198.51.100.125 198.51.100.126 198.51.100.127
  198.51.100.130 198.51.100.131 198.51.100.132
  198.51.100.140 198.51.100.141 198.51.100.142
  198.51.100.150 198.51.100.151 198.51.100.152 198.51.100.160 198.51.100.161
  198.51.100.162 198.51.100.163 198.51.100.164 198.51.100.165
  198.51.100.170 198.51.100.171
  203.0.113.150 203.0.113.151)

net_setup() {
  local ns a
  for ns in "$CNS" "$SNS"; do ip netns del "$ns" 2>/dev/null || true; done
  for ns in "$SNS" "$CNS"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip link add wsrv0 netns "$SNS" type veth peer name wcli0 netns "$CNS"
  link_up "$SNS" wsrv0
  link_up "$CNS" wcli0
  ip -n "$SNS" addr add "$SRV4/24" dev wsrv0
  ip -n "$SNS" route add 198.51.100.0/24 dev wsrv0
  ip -n "$SNS" route add 203.0.113.0/24 dev wsrv0
  for a in "${CLIENTS[@]}"; do ip -n "$CNS" addr add "$a/32" dev wcli0; done
  ip -n "$CNS" route add 192.0.2.0/24 dev wcli0 src "${CLIENTS[0]}"
  sleep 1
}

client_ip() { ip -n "$CNS" route replace "$SRV4/32" dev wcli0 src "$1"; }
# wait_conn CLIENT: wait until the server has a connection from CLIENT (so
# that a client started in the background has its address before the next
# client_ip changes it).
wait_conn() {
  for _ in $(seq 150); do
    sns ss -Htn "dst $1" | grep -q . && return 0
    sleep 0.1
  done
  die "no connection from $1"
}

wait_listen() {
  local port=$1
  for _ in $(seq 100); do
    sns ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.2
  done
  die "nothing listens on port $port in $SNS"
}
wait_closed() {
  local port=$1
  for _ in $(seq 100); do
    sns ss -Hltn "sport = :$port" | grep -q . || return 0
    sleep 0.2
  done
  die "port $port still listens in $SNS"
}

# ---------------------------------------------------------------- servers
postfix_running() { [ -f "$CONF/main.cf" ] && ! /usr/lib/postfix/sbin/master -c "$CONF" -t 2>/dev/null; }
postfix_stop() {
  [ -f "$CONF/main.cf" ] || return 0
  if postfix_running; then sns postfix -c "$CONF" stop >>"$RUN/postfix.log" 2>&1 || true; fi
  wait_closed 25 2>/dev/null || true
}
postfix_start() {
  postfix_running && return 0
  mkdir -p "$CONF" "$RUN/pf-spool" "$RUN/pf-data"
  sed -e "s|@RUN@|$RUN|g" -e "s|@CONF@|$CONF|g" "$CFG/postfix-main.cf.in" >"$CONF/main.cf"
  cp "$CFG/postfix-master.cf" "$CONF/master.cf"
  cp "$CFG/client_access.cidr" "$CFG/sender_access.regexp" "$CONF/"
  chown root:root "$RUN/pf-spool"
  chown postfix:postfix "$RUN/pf-data"
  sns postfix -c "$CONF" start >>"$RUN/postfix.log" 2>&1 || { cat "$RUN/postfix.log" >&2; die "postfix start failed"; }
  wait_listen 25
}

haproxy_start() {
  [ -f "$RUN/haproxy.pid" ] && return 0
  sed -e "s|@RUN@|$RUN|g" "$CFG/haproxy.cfg.in" >"$RUN/haproxy.cfg"
  sns haproxy -D -f "$RUN/haproxy.cfg" >>"$RUN/haproxy.log" 2>&1 || { cat "$RUN/haproxy.log" >&2; die "haproxy start failed"; }
  wait_listen 587
}
haproxy_stop() {
  [ -f "$RUN/haproxy.pid" ] || return 0
  local p
  for p in $(cat "$RUN/haproxy.pid"); do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  rm -f "$RUN/haproxy.pid"
}

# exim_start PORT: Exim 4 (unpacked) with a private config and spool, as a
# foreground daemon (-bdf) so that it is stopped by its pid.
exim_start() {
  local port=$1 d=$RUN/exim
  mkdir -p "$d/spool" "$d/log"
  sed -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$port|g" "$CFG/exim.conf.in" >"$d/exim.conf"
  chown -R Debian-exim:Debian-exim "$d/spool" "$d/log"
  # Exim re-executes itself by its compiled-in path /usr/sbin/exim4 (e.g.
  # to deliver, or to finish a session): in a private mount namespace the
  # unpacked usr/sbin is bound over /usr/sbin so that the path exists.
  daemon exim ip netns exec "$SNS" unshare -m sh -c \
    "mount --make-rprivate / && mount --bind '$PKGS/exim4/usr/sbin' /usr/sbin && exec /usr/sbin/exim4 -C '$d/exim.conf' -bdf"
  wait_listen "$port"
}
exim_stop() { daemon_stop exim; }

# opensmtpd_start PORT: OpenSMTPD (unpacked) in the foreground (-d) as a
# daemon; its spool path (/var/spool/smtpd) is compiled in, so it runs in a
# private mount namespace where $RUN/osmtpd-spool is bound over /var/spool.
opensmtpd_start() {
  local port=$1 d=$RUN/opensmtpd
  mkdir -p "$d/spool"
  sed -e "s|@PORT@|$port|g" "$CFG/smtpd.conf.in" >"$d/smtpd.conf"
  chmod 644 "$d/smtpd.conf"
  daemon opensmtpd ip netns exec "$SNS" unshare -m sh -c \
    "mount --make-rprivate / && mount --bind '$d/spool' /var/spool && exec '$OSMTPD' -d -f '$d/smtpd.conf'"
  wait_listen "$port"
}

# sendmail_start PORT: Sendmail (unpacked), sendmail.cf made with m4 from
# the unpacked sendmail-cf, private queue; queue-only (no delivery attempt);
# a foreground daemon (-bD) so that it is stopped by its pid.
sendmail_start() {
  local port=$1 d=$RUN/sendmail cfdir=$PKGS/sendmail/usr/share/sendmail/cf
  mkdir -p "$d/mqueue"
  chmod 700 "$d/mqueue"
  : >"$d/local-host-names"
  : >"$d/relay-domains"
  : >"$d/statistics"
  sed -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$port|g" "$CFG/sendmail.mc.in" >"$d/sendmail.mc"
  m4 -D_CF_DIR_="$cfdir/" "$cfdir/m4/cf.m4" "$d/sendmail.mc" >"$d/sendmail.cf"
  # Sendmail insists on resolving its own host name at start (else it
  # sleeps 60 s and retries): give it a private UTS + mount namespace with
  # host name mx.example.net and an /etc/hosts naming it.
  printf '127.0.0.1 localhost\n%s mx.example.net mx\n' "$SRV4" >"$d/hosts"
  daemon sendmail ip netns exec "$SNS" unshare -m -u sh -c \
    "mount --make-rprivate / && mount --bind '$d/hosts' /etc/hosts && hostname mx.example.net && exec '$SENDMAIL' -C '$d/sendmail.cf' -bD"
  wait_listen "$port"
}
sendmail_stop() { daemon_stop sendmail; }

# popa3d_start: popa3d (unpacked) in standalone mode (-D: it forks, listens
# on port 110); its pid is read from the listening socket in wsrv.
POPA3D_PID=
popa3d_start() {
  sns "$PKGS/popa3d/usr/sbin/popa3d" -D >>"$RUN/popa3d.log" 2>&1 || die "popa3d start failed"
  wait_listen 110
  POPA3D_PID=$(sns ss -Hltnp "sport = :110" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  [ -n "$POPA3D_PID" ] || die "no pid for popa3d"
}
popa3d_stop() {
  [ -n "$POPA3D_PID" ] || return 0
  kill "$POPA3D_PID" 2>/dev/null || true
  POPA3D_PID=
}

# ---------------------------------------------------------------- capture
# cap_start NAME FILE [tcpdump options...]: one tcpdump on wsrv0 (filter
# "tcp"); several may run at once (the same sessions seen differently).
declare -A CAP_PID=() CAP_FILE=()
cap_start() {
  local name=$1 file=$2; shift 2
  rm -f "$file" "${file%.pcap}.expect"
  local err=$RUN/cap-$name.log
  : >"$err"
  setsid ip netns exec "$SNS" tcpdump -Z root -U -i wsrv0 "$@" -w "$file" tcp 2>"$err" &
  CAP_PID[$name]=$!
  CAP_FILE[$name]=$file
  for _ in $(seq 50); do
    grep -q 'listening on' "$err" 2>/dev/null && break
    kill -0 "${CAP_PID[$name]}" 2>/dev/null || { cat "$err" >&2; die "capture $name died"; }
    sleep 0.1
  done
  log "recording $name ($*)"
}
cap_stop_all() {
  local n
  for n in "${!CAP_PID[@]}"; do
    kill -TERM -- "-${CAP_PID[$n]}" 2>/dev/null || true
    wait "${CAP_PID[$n]}" 2>/dev/null || true
    unset "CAP_PID[$n]"
  done
}
# caps_stop: let the teardown reach the capture, then stop every tcpdump.
caps_stop() { sleep "${CAP_TAIL:-2}"; cap_stop_all; }

# exp NAME CLIENT SERVER:PORT VERDICT [OUTCOME] [KEY=VALUE ...]: an
# expectation for capture NAME (in the order connections start).
exp() { local n=$1; shift; echo "conn $*" >>"$RUN/exp-$n"; }

# write_expect NAME DESC [UNLISTED]: write NAME's .expect next to its
# capture, and check that the capture holds as many TCP connections as the
# .expect lists plus UNLISTED (connections that must get no conn line:
# non-SMTP traffic on a port that is not an SMTP port).
write_expect() {
  local name=$1 desc=$2 unlisted=${3:-0}
  local file=${CAP_FILE[$name]} e
  e=${EXPECT_FILE:-${file%.pcap}.expect}
  local lines=()
  [ -f "$RUN/exp-$name" ] && mapfile -t lines <"$RUN/exp-$name"
  {
    echo "# $(basename "${e%.expect}"): $desc"
    echo "# Written by testdata/record/wild.sh from the scenario design, not by esaflow."
    echo "# conn CLIENT_ADDR SERVER_ADDR:SERVER_PORT VERDICT [OUTCOME] [KEY=VALUE ...]"
    [ ${#lines[@]} -gt 0 ] && printf '%s\n' "${lines[@]}"
    echo "# host CLIENT_ADDR VERDICT"
    # a host's verdict: the one its decided (not INCOMPLETE) connections share,
    # MIXED if they differ, INCOMPLETE if none is decided
    [ ${#lines[@]} -gt 0 ] && printf '%s\n' "${lines[@]}" | awk '
      { c=$2; v=$4; if (!(c in seen)) { order[++n]=c; seen[c]="" }
        if (v != "INCOMPLETE") { if (seen[c]=="" ) seen[c]=v; else if (seen[c]!=v) seen[c]="MIXED" } }
      END { for (i=1;i<=n;i++) print "host", order[i], (seen[order[i]]=="" ? "INCOMPLETE" : seen[order[i]]) }'
  } >"$e"
  local got want=$(( ${#lines[@]} + unlisted ))
  got=$(tshark -r "${COUNT_FILE:-$file}" -T fields -e tcp.stream 2>/dev/null | sort -u | grep -c .)
  [ "$got" = "$want" ] || die "$name: capture has $got connections, .expect lists $want (${#lines[@]} + $unlisted unlisted)"
  log "wrote $file ($(stat -c %s "$file") bytes, $got conns) and $e"
}

# cap_check NAME DISPLAY_FILTER WHAT [MIN]: the capture must hold at least
# MIN (default 1) packets matching the tshark filter. A check of the
# recording, not a source of the .expect.
cap_check() {
  local name=$1 filter=$2 what=$3 min=${4:-1} n
  n=$(tshark -r "${CAP_FILE[$name]}" ${DECODE:-} -Y "$filter" 2>/dev/null | wc -l)
  [ "$n" -ge "$min" ] || die "$name: $n packet(s) (want >= $min) show $what ($filter)"
  log "$name: $n packet(s) show $what"
}
# cap_none NAME DISPLAY_FILTER WHAT: no packet may match.
cap_none() {
  local name=$1 filter=$2 what=$3 n
  n=$(tshark -r "${CAP_FILE[$name]}" ${DECODE:-} -Y "$filter" 2>/dev/null | wc -l)
  [ "$n" = 0 ] || die "$name: $n packet(s) show $what ($filter), want none"
  log "$name: no packet shows $what"
}

# ---------------------------------------------------------------- clients
BODY=$RUN/body.txt
MSG=$RUN/msg.eml
SMALLBODY=$RUN/smallbody.txt
SMALLMSG=$RUN/smallmsg.eml
make_payloads() {
  {
    echo "This test message is a few KB long so that DATA spans several TCP segments."
    local i
    for i in $(seq 1 30); do printf 'line %02d: the quick brown fox jumps over the lazy dog 0123456789\n' "$i"; done
  } >"$BODY"
  {
    printf 'From: Sender <sender@example.org>\r\nTo: Rcpt <rcpt@example.net>\r\n'
    printf 'Subject: esaflow wild capture\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n'
    printf 'Message-ID: <wild-1@client.example.org>\r\n\r\n'
    sed 's/$/\r/' "$BODY"
  } >"$MSG"
  head -4 "$BODY" >"$SMALLBODY"
  { sed -n '1,/^\r$/p' "$MSG"; sed 's/$/\r/' "$SMALLBODY"; } >"$SMALLMSG"
  mkdir -p "$RUN/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=mx.example.net" -keyout "$RUN/tls/key.pem" -out "$RUN/tls/cert.pem" 2>/dev/null
}

# swaks_to PORT [swaks args...]; never fails the script
swaks_to() {
  local port=$1; shift
  echo "=== swaks port $port $*" | cut -c1-200 >>"$RUN/clients.log"
  cns swaks --server "$SRV4" --port "$port" --helo client.example.org --timeout 10 \
    --from sender@example.org --to rcpt@example.net "$@" >>"$RUN/clients.log" 2>&1 || true
}

# ---------------------------------------------------------------- scenarios

# 1. One direction only. The same two Postfix sessions (a delivery and a 554
# greeting) recorded by two tcpdumps at once: -Q in keeps only the packets
# wsrv0 receives (the client's), -Q out only those it sends (the server's).
# Then a real NO_ANSWER (nftables drops the SYNs), all directions.
s_oneway() {
  postfix_start
  cap_start oneway_in "$OUT/wild_oneway_in.pcap" -Q in
  cap_start oneway_out "$OUT/wild_oneway_out.pcap" -Q out
  sleep 0.5
  client_ip 198.51.100.101
  swaks_to 25 --body @"$BODY" --header "Subject: esaflow wild oneway"
  client_ip 198.51.100.102
  swaks_to 25
  caps_stop
  # client's side only: the server's replies are not in the capture
  exp oneway_in 198.51.100.101 $SRV4:25 INCOMPLETE flags=server_not_captured
  exp oneway_in 198.51.100.102 $SRV4:25 INCOMPLETE flags=server_not_captured
  write_expect oneway_in "tcpdump -Q in on the server's veth (client packets only): swaks delivery to Postfix (EHLO, MAIL, RCPT, DATA, body, QUIT); a 2nd client refused with a 554 greeting sends QUIT"
  cap_none oneway_in "ip.src==$SRV4" "a server packet"
  cap_check oneway_in "tcp.payload contains \"DATA\"" "the client's DATA"
  # server's side only: decided from the server's replies
  exp oneway_out 198.51.100.101 $SRV4:25 ACCEPT DELIVERED flags=client_not_captured
  exp oneway_out 198.51.100.102 $SRV4:25 REJECT flags=client_not_captured reason=access_denied
  write_expect oneway_out "tcpdump -Q out on the server's veth (server packets only), same sessions: 220, 250 EHLO, 250, 250, 354, 250 queued, 221; and 554 5.7.1 greeting, 221"
  cap_none oneway_out "ip.src!=$SRV4" "a client packet"
  cap_check oneway_out "tcp.payload contains \"354 \"" "the 354 reply"
  cap_check oneway_out "tcp.payload contains \"554 5.7.1\"" "the 554 greeting"

  # NO_ANSWER: the client's SYNs are dropped in the server namespace.
  sns nft -f - <<EOF
table inet esaflow_wild {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 198.51.100.103 tcp dport 25 drop
  }
}
EOF
  cap_start no_answer "$OUT/wild_no_answer.pcap"
  client_ip 198.51.100.103
  cns timeout 4 swaks --server $SRV4 --port 25 --timeout 3 --to rcpt@example.net >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  sns nft delete table inet esaflow_wild
  exp no_answer 198.51.100.103 $SRV4:25 NO_ANSWER
  write_expect no_answer "nftables in the server namespace drops the client's SYNs (all directions captured): SYN and its retransmissions, no answer; swaks gives up after 3 s"
  cap_check no_answer "tcp.flags.syn==1 && tcp.flags.ack==0" "the SYN and its retries" 2
  cap_none no_answer "ip.src==$SRV4" "a server packet"
}

# 2. Snap length: the same sessions recorded by two tcpdumps at once, -s 96
# (Ethernet 14 + IP 20 + TCP 32 with timestamps = 66: 30 payload bytes
# kept) and -s 68 (2 payload bytes kept). Delivery, 554 greeting, TCPREFUSE
# (HAProxy on 587, tcp-request connection reject), port closed (2525).
s_snaplen() {
  postfix_start
  haproxy_start
  cap_start snaplen96 "$OUT/wild_snaplen96.pcap" -s 96
  cap_start snaplen68 "$OUT/wild_snaplen68.pcap" -s 68
  sleep 0.5
  client_ip 198.51.100.110
  swaks_to 25 --body @"$BODY" --header "Subject: esaflow wild snaplen"
  client_ip 198.51.100.112
  swaks_to 25
  client_ip 198.51.100.113
  swaks_to 587
  client_ip 198.51.100.114
  swaks_to 2525
  caps_stop
  exp snaplen96 198.51.100.110 $SRV4:25 ACCEPT DELIVERED flags=missed_bytes
  exp snaplen96 198.51.100.112 $SRV4:25 REJECT flags=missed_bytes reason=5.7.x+security+or+policy
  exp snaplen96 198.51.100.113 $SRV4:587 TCPREFUSE
  exp snaplen96 198.51.100.114 $SRV4:2525 PORT_CLOSED
  write_expect snaplen96 "tcpdump -s 96 (30 payload bytes per segment kept): Postfix delivery; 554 5.7.1 greeting + QUIT/221; HAProxy on 587 resets after the handshake; nothing on 2525 (SYN -> RST)"
  exp snaplen68 198.51.100.110 $SRV4:25 INCOMPLETE flags=missed_bytes
  exp snaplen68 198.51.100.112 $SRV4:25 INCOMPLETE flags=missed_bytes
  exp snaplen68 198.51.100.113 $SRV4:587 TCPREFUSE
  exp snaplen68 198.51.100.114 $SRV4:2525 PORT_CLOSED
  write_expect snaplen68 "tcpdump -s 68 (2 payload bytes per segment kept, no reply code whole): the same sessions as wild_snaplen96"
  cap_check snaplen96 "frame.cap_len < frame.len && tcp.payload contains \"220 mx.example.net\"" "a cut 220 greeting"
  cap_check snaplen96 "frame.cap_len < frame.len && tcp.payload contains \"554 5.7.1\"" "a cut 554 greeting"
  cap_check snaplen68 "frame.cap_len < frame.len && ip.src==$SRV4" "cut server segments" 5
  cap_check snaplen68 "ip.src==$SRV4 && tcp.srcport==587 && tcp.flags.reset==1" "HAProxy's RST"
  cap_check snaplen68 "ip.src==$SRV4 && tcp.srcport==2525 && tcp.flags.reset==1" "the port-closed RST"
}

# 3. SMTP on ports outside 25/465/587/2525, and non-SMTP traffic.
# wild_odd_ports: Exim on 2526 (client msmtp), OpenSMTPD on 8025 (client
# s-nail), Sendmail on 225 (client nodemailer): three deliveries.
# wild_not_smtp: pyftpdlib FTP on 21 with a tnftp login (USER/PASS), the
# same FTP server on port 25 (its greeting is "220 ..." too), python3 -m
# http.server on 8080 + curl, openssl s_server on 443 + curl (TLS 1.3),
# popa3d on 110 + curl (a failed POP3 login: no such user).
s_odd_ports() {
  postfix_stop
  log "starting exim"; exim_start 2526; log "starting opensmtpd"
  opensmtpd_start 8025
  log "starting sendmail"; sendmail_start 225; log "servers up"
  cap_start odd_ports "$OUT/wild_odd_ports.pcap"
  client_ip 198.51.100.120
  echo "=== msmtp" >>"$RUN/clients.log"
  cns msmtp -C /dev/null --host=$SRV4 --port=2526 --tls=off --auth=off --domain=client.example.org \
    --from=sender@example.org --timeout=10 rcpt@example.net <"$SMALLMSG" >>"$RUN/clients.log" 2>&1 || true
  sleep 0.5
  client_ip 198.51.100.121
  echo "=== s-nail" >>"$RUN/clients.log"
  cns env HOME=$RUN MAILRC=/dev/null s-nail -:/ -Sv15-compat -Sttycharset=utf-8 -Ssendcharsets=utf-8 \
    -Smta=smtp://$SRV4:8025 -Ssmtp-auth=none -Ssmtp-hostname=client.example.org -Snosave -Sexpandaddr \
    -r sender@example.org -s "esaflow wild s-nail" rcpt@example.net <"$SMALLBODY" >>"$RUN/clients.log" 2>&1 || true
  sleep 0.5
  client_ip 198.51.100.122
  echo "=== nodemailer" >>"$RUN/clients.log"
  cns node "$CFG/nodemailer_send.js" $SRV4 225 sender@example.org rcpt@example.net "$SMALLBODY" >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  exp odd_ports 198.51.100.120 $SRV4:2526 ACCEPT DELIVERED
  exp odd_ports 198.51.100.121 $SRV4:8025 ACCEPT DELIVERED
  exp odd_ports 198.51.100.122 $SRV4:225 ACCEPT DELIVERED
  write_expect odd_ports "SMTP on unusual ports: msmtp -> Exim 4 on 2526, s-nail -> OpenSMTPD on 8025, nodemailer -> Sendmail on 225; each 220, EHLO, MAIL, RCPT, DATA, message, 250, QUIT"
  DECODE="-d tcp.port==2526,smtp -d tcp.port==8025,smtp -d tcp.port==225,smtp" \
    cap_check odd_ports "smtp.response.code==354" "three 354 replies" 3
  DECODE="-d tcp.port==2526,smtp -d tcp.port==8025,smtp -d tcp.port==225,smtp" \
    cap_check odd_ports "smtp.response.code==250 && (smtp.rsp.parameter contains \"OK id=\" || smtp.rsp.parameter contains \"accepted for delivery\")" "three 250s accepting the message" 3
  sendmail_stop; exim_stop; daemon_stop opensmtpd

  # non-SMTP
  mkdir -p "$RUN/ftp" "$RUN/www"
  echo "hello from the esaflow wild rig" >"$RUN/www/index.html"
  daemon ftp21 ip netns exec "$SNS" $PY -m pyftpdlib -i $SRV4 -p 21 -u wild -P secret -d "$RUN/ftp"
  daemon ftp25 ip netns exec "$SNS" $PY -m pyftpdlib -i $SRV4 -p 25 -u wild -P secret -d "$RUN/ftp"
  daemon http8080 ip netns exec "$SNS" $PY -m http.server --bind $SRV4 --directory "$RUN/www" 8080
  # -WWW serves files from the current directory (small), -www a status page (big)
  daemon tls443 ip netns exec "$SNS" sh -c "cd '$RUN/www' && exec openssl s_server -quiet -accept $SRV4:443 -WWW \
    -cert '$RUN/tls/cert.pem' -key '$RUN/tls/key.pem'"
  wait_listen 21; wait_listen 25; wait_listen 8080; wait_listen 443
  popa3d_start
  cap_start not_smtp "$OUT/wild_not_smtp.pcap"
  local ftpcmds=$RUN/ftp.cmds
  printf 'user wild secret\npwd\nquit\n' >"$ftpcmds"
  client_ip 198.51.100.123
  echo "=== tnftp 21" >>"$RUN/clients.log"
  cns timeout 15 ftp -n $SRV4 21 <"$ftpcmds" >>"$RUN/clients.log" 2>&1 || true
  sleep 0.5
  client_ip 198.51.100.124
  echo "=== tnftp 25" >>"$RUN/clients.log"
  cns timeout 15 ftp -n $SRV4 25 <"$ftpcmds" >>"$RUN/clients.log" 2>&1 || true
  sleep 0.5
  client_ip 198.51.100.125
  echo "=== curl http 8080" >>"$RUN/clients.log"
  cns curl -sS --max-time 10 http://$SRV4:8080/ >>"$RUN/clients.log" 2>&1 || true
  sleep 0.5
  client_ip 198.51.100.126
  echo "=== curl https 443" >>"$RUN/clients.log"
  cns curl -sS -k --max-time 10 https://$SRV4:443/index.html -o /dev/null >>"$RUN/clients.log" 2>&1 || true
  sleep 0.5
  client_ip 198.51.100.127
  echo "=== curl pop3 110" >>"$RUN/clients.log"
  cns curl -sS --max-time 10 pop3://$SRV4/ -u wild:secret >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  daemon_stop ftp21; daemon_stop ftp25; daemon_stop http8080; daemon_stop tls443; popa3d_stop
  exp not_smtp 198.51.100.124 $SRV4:25 NOT_SMTP
  write_expect not_smtp "non-SMTP: FTP (pyftpdlib) on 21 with a tnftp login USER/PASS/PWD/QUIT [no conn line: not an SMTP port]; the same FTP server on port 25 (greeting '220 pyftpdlib ... ready', then 331/230): NOT_SMTP; HTTP on 8080 (curl) TLS on 443 (openssl s_server, curl) and POP3 on 110 (popa3d, curl: CAPA, USER, PASS -> -ERR) [no conn lines]" 4
  cap_check not_smtp "tcp.dstport==21 && tcp.payload contains \"PASS \"" "the FTP PASS command on 21"
  cap_check not_smtp "tcp.dstport==25 && tcp.payload contains \"PASS \"" "the FTP PASS command on 25"
  cap_check not_smtp "tcp.srcport==25 && tcp.payload contains \"230 \"" "the FTP 230 login reply on 25"
  cap_check not_smtp "http.request.method==\"GET\"" "the HTTP GET"
  cap_check not_smtp "tls.handshake.type==2" "the TLS ServerHello on 443"
  cap_check not_smtp "pop.request.command==\"PASS\"" "the POP3 PASS command on 110"
}

# 4. Plaintext SMTP on 465, the implicit-TLS port. First Node.js
# smtp-server (secure: false, STARTTLS off) listens there: swaks delivers in
# plaintext; openssl s_client -connect 192.0.2.25:465 sends its TLS
# ClientHello at once, before the greeting, and smtp-server (which holds its
# greeting a moment to catch early talkers) answers "421 ... You talk too
# soon" and closes. Then Postfix smtpd in plaintext on 465 (no wrappermode):
# it greets 220 at once and reads the ClientHello as command text; s_client
# gets "220 ..." where it wants a TLS record and gives up (OpenSSL 3.0:
# "wrong version number", no alert sent).
s_plaintext_465() {
  postfix_stop
  daemon node465 ip netns exec "$SNS" node "$CFG/node_server.js" $SRV4 465
  wait_listen 465
  cap_start plaintext_465 "$OUT/wild_plaintext_465.pcap"
  client_ip 198.51.100.130
  swaks_to 465 --body @"$BODY" --header "Subject: esaflow wild plaintext 465"
  sleep 0.5
  client_ip 198.51.100.131
  echo "=== openssl s_client 465 (node)" >>"$RUN/clients.log"
  cns timeout 15 openssl s_client -connect $SRV4:465 -servername mx.example.net </dev/null >>"$RUN/clients.log" 2>&1 || true
  sleep 1
  daemon_stop node465
  wait_closed 465
  postfix_start
  wait_listen 465
  client_ip 198.51.100.132
  echo "=== openssl s_client 465 (postfix)" >>"$RUN/clients.log"
  cns timeout 15 openssl s_client -connect $SRV4:465 -servername mx.example.net </dev/null >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  exp plaintext_465 198.51.100.130 $SRV4:465 ACCEPT DELIVERED flags=plaintext_on_tls_port
  exp plaintext_465 198.51.100.131 $SRV4:465 TEMPFAIL flags=plaintext_on_tls_port reason=4xx+transient+failure
  exp plaintext_465 198.51.100.132 $SRV4:465 ACCEPT TLS_FAILED flags=plaintext_on_tls_port
  write_expect plaintext_465 "plaintext SMTP on 465: Node.js smtp-server, swaks delivers in plaintext (220, EHLO, MAIL, RCPT, DATA, 250, QUIT); openssl s_client sends a ClientHello before the greeting, smtp-server answers 421 You talk too soon + FIN; Postfix smtpd (no wrappermode) on 465: 220 greeting, s_client's ClientHello, client closes (no alert)"
  cap_check plaintext_465 "ip.src==$SRV4 && tcp.payload contains \"220 mx.example.net\"" "the plaintext 220 greetings" 2
  cap_check plaintext_465 "ip.src==$SRV4 && tcp.payload contains \"421 mx.example.net You talk too soon\"" "smtp-server's 421"
  cap_check plaintext_465 "ip.src==198.51.100.131 && tcp.payload[0:3]==16:03:01" "the ClientHello to smtp-server"
  cap_check plaintext_465 "ip.src==198.51.100.132 && tcp.payload[0:3]==16:03:01" "the ClientHello to Postfix"
  DECODE="-d tcp.port==465,tls" cap_none plaintext_465 "tls.alert_message" "a TLS alert"
  DECODE="-d tcp.port==465,tls" cap_none plaintext_465 "tls.handshake.type==2" "a ServerHello"
}

# 5. Odd replies.
# wild_enhanced_only_reply: aiosmtpd whose MAIL handler returns
# "4.7.0 Try again later" (an enhanced code, no 3-digit code); swaks.
# wild_mail_450_pipelined: Postfix answers MAIL FROM:<later@...> with
# 450 4.7.1 (check_sender_access); a pipelining client has already sent RCPT
# and DATA, answered 503 5.5.1: swaks --pipeline, then nc with the whole
# session (EHLO..QUIT) in one go.
s_odd_replies() {
  postfix_stop
  daemon aiosmtpd ip netns exec "$SNS" $PY "$CFG/aiosmtpd_server.py" $SRV4 25
  wait_listen 25
  cap_start enhanced_only_reply "$OUT/wild_enhanced_only_reply.pcap"
  client_ip 198.51.100.140
  cns timeout 20 swaks --server $SRV4 --port 25 --helo client.example.org --timeout 5 \
    --from sender@example.org --to rcpt@example.net >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  daemon_stop aiosmtpd
  exp enhanced_only_reply 198.51.100.140 $SRV4:25 ACCEPT DEFERRED flags=malformed_reply reason=4.7.x+security+or+policy
  write_expect enhanced_only_reply "aiosmtpd (Python) answers MAIL FROM with '4.7.0 Try again later' (enhanced status code only, no 3-digit reply code); swaks"
  cap_check enhanced_only_reply "tcp.srcport==25 && tcp.payload contains \"4.7.0 Try again later\"" "the enhanced-code-only reply"

  postfix_start
  cap_start mail_450_pipelined "$OUT/wild_mail_450_pipelined.pcap"
  client_ip 198.51.100.141
  swaks_to 25 --pipeline --from later@example.org
  sleep 0.5
  client_ip 198.51.100.142
  echo "=== nc whole session" >>"$RUN/clients.log"
  printf 'EHLO client.example.org\r\nMAIL FROM:<later@example.org>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\nSubject: pipelined\r\n\r\nhello\r\n.\r\nQUIT\r\n' |
    cns timeout 15 nc -N $SRV4 25 >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  exp mail_450_pipelined 198.51.100.141 $SRV4:25 ACCEPT DEFERRED reason=4.7.x+security+or+policy
  exp mail_450_pipelined 198.51.100.142 $SRV4:25 ACCEPT DEFERRED reason=4.7.x+security+or+policy
  write_expect mail_450_pipelined "Postfix: MAIL FROM:<later@example.org> -> 450 4.7.1 (check_sender_access); swaks --pipeline had already sent RCPT and DATA (503 5.5.1 need MAIL, 503 5.5.1 need RCPT); nc -N sends the whole session (EHLO..QUIT, with a message body) in one segment; Postfix answers 220, EHLO 250, 450, 503, 503, then takes 'Subject:' for a header sent as a command: 221 2.7.0 Error: I can break rules, too. Goodbye."
  DECODE="-d tcp.port==25,smtp" cap_check mail_450_pipelined "smtp.response.code==450" "two 450 replies to MAIL" 2
  DECODE="-d tcp.port==25,smtp" cap_check mail_450_pipelined "smtp.response.code==503" "503 replies" 2
}

# 6. A rotated file set: tcpdump -C 1 (a new file every 1,000,000 bytes)
# over ~12 MB of SMTP: three slow deliveries of big text bodies (the
# client's veth is shaped to 24 Mbit/s with tc tbf, so each takes seconds
# and spans file boundaries), and short refused connections in between:
# 554 greetings (Postfix), TCPREFUSE (HAProxy on 587), port closed (2525).
# tcpdump names the files wild_rotated.pcap, wild_rotated.pcap1, ...; each is
# gzipped (name + .gz) into captures/rotated/, with one rotated.expect.
s_rotated() {
  postfix_start
  haproxy_start
  local rdir=$RUN/rotated odir=$OUT/rotated big1=$RUN/big1.txt big2=$RUN/big2.txt
  mkdir -p "$rdir" "$odir"
  rm -f "$odir"/wild_rotated.pcap* "$odir/rotated.expect"
  awk 'BEGIN { for (i = 1; i <= 56000; i++) printf "big body line %07d: the quick brown fox jumps over the lazy dog\n", i }' >"$big1"
  awk 'BEGIN { for (i = 1; i <= 56000; i++) printf "second big body %07d: pack my box with five dozen liquor jugs\n", i }' >"$big2"
  ip netns exec "$CNS" tc qdisc add dev wcli0 root tbf rate 24mbit burst 64kb latency 200ms
  cap_start rotated "$rdir/wild_rotated.pcap" -C 1
  local p1 p2 p3
  client_ip 198.51.100.150
  swaks_to 25 --body @"$big1" --header "Subject: esaflow wild rotated 1" & p1=$!
  wait_conn 198.51.100.150
  sleep 1
  client_ip 198.51.100.160; swaks_to 25
  sleep 0.5
  client_ip 198.51.100.164; swaks_to 587
  sleep 0.5
  client_ip 198.51.100.151
  swaks_to 25 --body @"$big1" --header "Subject: esaflow wild rotated 2" & p2=$!
  wait_conn 198.51.100.151
  sleep 1
  client_ip 198.51.100.161; swaks_to 25
  sleep 0.5
  client_ip 198.51.100.165; swaks_to 2525
  wait $p1 $p2
  sleep 0.5
  client_ip 203.0.113.150
  swaks_to 25 --body @"$big2" --header "Subject: esaflow wild rotated 3" & p3=$!
  wait_conn 203.0.113.150
  sleep 1
  client_ip 198.51.100.162; swaks_to 25
  sleep 0.5
  client_ip 198.51.100.163; swaks_to 25
  wait $p3
  caps_stop
  ip netns exec "$CNS" tc qdisc del dev wcli0 root
  exp rotated 198.51.100.150 $SRV4:25 ACCEPT DELIVERED
  exp rotated 198.51.100.160 $SRV4:25 REJECT reason=access_denied
  exp rotated 198.51.100.164 $SRV4:587 TCPREFUSE
  exp rotated 198.51.100.151 $SRV4:25 ACCEPT DELIVERED
  exp rotated 198.51.100.161 $SRV4:25 REJECT reason=access_denied
  exp rotated 198.51.100.165 $SRV4:2525 PORT_CLOSED
  exp rotated 203.0.113.150 $SRV4:25 ACCEPT DELIVERED
  exp rotated 198.51.100.162 $SRV4:25 REJECT reason=access_denied
  exp rotated 198.51.100.163 $SRV4:25 REJECT reason=access_denied
  local files=() f i n
  files=("$rdir/wild_rotated.pcap")
  for ((i = 1; ; i++)); do [ -f "$rdir/wild_rotated.pcap$i" ] || break; files+=("$rdir/wild_rotated.pcap$i"); done
  n=${#files[@]}
  [ "$n" -ge 12 ] || die "rotated: tcpdump wrote only $n files, want >= 12"
  mergecap -a -w "$RUN/rotated_all.pcap" "${files[@]}"
  # connections that span a file boundary: a client address in 2+ files
  local spans=0 c
  for c in 198.51.100.150 198.51.100.151 203.0.113.150; do
    local inf=0
    for f in "${files[@]}"; do
      [ "$(tshark -r "$f" -Y "ip.addr==$c" 2>/dev/null | head -1 | wc -l)" = 1 ] && inf=$((inf + 1))
    done
    log "rotated: $c has packets in $inf files"
    [ "$inf" -ge 2 ] && spans=$((spans + 1))
  done
  [ "$spans" -ge 2 ] || die "rotated: only $spans deliveries span a file boundary"
  COUNT_FILE=$RUN/rotated_all.pcap EXPECT_FILE=$odir/rotated.expect \
    write_expect rotated "tcpdump -C 1 on the server's veth: $n files (wild_rotated.pcap, wild_rotated.pcap1 ... wild_rotated.pcap$((n - 1)), gzipped; read them in tcpdump's order: pcap, pcap1, pcap2, ... pcap10, pcap11 -- not in lexical order, where pcap10 sorts before pcap2); three slow deliveries (~3.5-4 MB text bodies, client shaped to 24 Mbit/s) spanning file boundaries, with 554 greetings, a HAProxy TCPREFUSE on 587 and a closed port 2525 in between"
  for f in "${files[@]}"; do gzip -9n -c "$f" >"$odir/$(basename "$f").gz"; done
  log "rotated: $n files gzipped into $odir ($(du -sh "$odir" | cut -f1))"
}

# 7. Client half-close before the greeting: nc -N sends the whole session
# (EHLO, MAIL, RCPT, DATA, body, ".", QUIT) right after the handshake and
# shuts down its sending side (FIN) at the end of its input, before the
# server's 220. Against Postfix smtpd (reads the pipelined commands and
# answers them all), then against Exim on port 25 (smtp_enforce_sync is on,
# but Exim 4.96 answers the early pipelined session as well: no
# synchronization error, all replies in one segment with its FIN).
# fin_before_greeting NAME CLIENT: the design holds only if the client's FIN
# came before the server's first payload byte (re-run the scenario if not).
fin_before_greeting() {
  local f=${CAP_FILE[$1]} tfin tgreet
  tfin=$(tshark -r "$f" -Y "ip.src==$2 && tcp.flags.fin==1" -T fields -e frame.number 2>/dev/null | head -1)
  tgreet=$(tshark -r "$f" -Y "ip.src==$SRV4 && tcp.len>0" -T fields -e frame.number 2>/dev/null | head -1)
  [ -n "$tfin" ] && [ -n "$tgreet" ] && [ "$tfin" -lt "$tgreet" ] ||
    die "$1: client FIN (frame $tfin) not before the greeting (frame $tgreet); run the scenario again"
  log "$1: client FIN (frame $tfin) before the greeting (frame $tgreet)"
}
HALFCLOSE_SESSION='EHLO client.example.org\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\nSubject: half-close\r\n\r\nsent in one go, then FIN\r\n.\r\nQUIT\r\n'
s_halfclose() {
  postfix_start
  cap_start halfclose_postfix "$OUT/wild_halfclose_postfix.pcap"
  client_ip 198.51.100.170
  echo "=== nc -N postfix" >>"$RUN/clients.log"
  printf "$HALFCLOSE_SESSION" | cns timeout 15 nc -N $SRV4 25 >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  exp halfclose_postfix 198.51.100.170 $SRV4:25 ACCEPT DELIVERED
  write_expect halfclose_postfix "nc -N: the whole session (EHLO..DATA, body, '.', QUIT) and the client's FIN before Postfix's greeting; Postfix greets, answers every command (250s, 354, 250 queued, 221) and closes"
  cap_check halfclose_postfix "ip.src==198.51.100.170 && tcp.flags.fin==1" "the client's FIN"
  DECODE="-d tcp.port==25,smtp" cap_check halfclose_postfix "smtp.response.code==354" "the 354 reply"
  fin_before_greeting halfclose_postfix 198.51.100.170

  postfix_stop
  exim_start 25
  cap_start halfclose_exim "$OUT/wild_halfclose_exim.pcap"
  client_ip 198.51.100.171
  echo "=== nc -N exim" >>"$RUN/clients.log"
  printf "$HALFCLOSE_SESSION" | cns timeout 15 nc -N $SRV4 25 >>"$RUN/clients.log" 2>&1 || true
  caps_stop
  exim_stop
  exp halfclose_exim 198.51.100.171 $SRV4:25 ACCEPT DELIVERED
  write_expect halfclose_exim "nc -N: the whole session and the client's FIN before Exim's greeting; Exim 4.96 does not call it a synchronization error: it greets and answers everything in one segment (220, EHLO 250, 250, 250, 354, 250 OK id=, 221) that also carries its FIN"
  DECODE="-d tcp.port==25,smtp" cap_check halfclose_exim "smtp.response.code==354" "the 354 reply"
  cap_check halfclose_exim "ip.src==$SRV4 && tcp.flags.fin==1 && tcp.len>0" "the server's replies + FIN in one segment"
  fin_before_greeting halfclose_exim 198.51.100.171
}

main() {
  if [ "${1:-}" = --list ]; then printf '%s\n' "${SCENARIOS[@]}"; exit 0; fi
  [ "$(id -u)" = 0 ] || die "run as root"
  local want=("$@") s
  [ ${#want[@]} -gt 0 ] || want=("${SCENARIOS[@]}")
  for s in "${want[@]}"; do declare -F "s_$s" >/dev/null || die "unknown scenario $s (see --list)"; done
  [ -x "$EXIM" ] && [ -x "$OSMTPD" ] && [ -x "$SENDMAIL" ] || die "run testdata/record/deps-wild.sh first ($PKGS)"
  local t0=$SECONDS
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  rm -rf "$RUN"; mkdir -p "$RUN" "$OUT"; chmod 755 "$RUN"
  make_payloads
  net_setup
  for s in "${SCENARIOS[@]}"; do
    [[ " ${want[*]} " == *" $s "* ]] || continue
    log "=== scenario $s"
    "s_$s"
  done
  log "done in $((SECONDS - t0)) s; captures in $OUT"
}

main "$@"
