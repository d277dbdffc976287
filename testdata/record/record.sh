#!/usr/bin/env bash
# record.sh - record the SMTP packet captures under testdata/captures/
#
# Usage (as root, on Debian 12 after testdata/record/deps.sh):
#     testdata/record/record.sh              # re-record every capture
#     testdata/record/record.sh NAME...      # re-record only these scenarios
#     testdata/record/record.sh --list       # list scenario names
#
# What it does:
#   * builds two network namespaces joined by one veth pair:
#       esa     server side, veth "esa0": 192.0.2.25/24, 2001:db8::25/64
#       esacli  client side, veth "cli0": one address per scenario client
#               (198.51.100.x, 203.0.113.x, 2001:db8::x); the route to the
#               server carries "src CLIENT" so each client tool uses the
#               scenario's own address without any bind option.
#     Offloads are off on every veth, so captures hold real segment sizes
#     and correct checksums. No traffic ever leaves the namespaces.
#   * builds a second, routed path to the same server, for the scenarios of
#     a firewall that forges resets (fw_*):
#       esacfw  client behind the router, veth "cfw0": 198.51.100.40
#               (peer 198.51.100.41), default path to 192.0.2.0/24 via it
#       esafw   router, IPv4 forwarding on: veth "fwc0" 198.51.100.41 (peer
#               198.51.100.40) to the client, veth "fws0" 192.0.2.250 (peer
#               192.0.2.249) to the server; route 192.0.2.25/32 via .249
#       esa     extra veth "esa1": 192.0.2.249 (peer 192.0.2.250), route
#               198.51.100.40/32 via the router; 192.0.2.25 stays on esa0
#               and Postfix (listening on all addresses) answers it on esa1
#     The router decrements the TTL, so at the client the server's packets
#     arrive with TTL 63 while a packet the router itself originates (an
#     nftables "reject with tcp reset" in its forward chain, sent in the
#     server's name) has TTL 64. These scenarios are captured on cfw0, the
#     client's side of the router. IPv6 is off on the four routed-path veths.
#   * runs real servers in "esa": a private Postfix instance
#     (postfix -c $RUN/postfix, queue/data under $RUN; /etc/postfix is never
#     touched), HAProxy, nftables; and real clients in "esacli": swaks, curl,
#     bash /dev/tcp, Python smtplib (/usr/bin/python3, postfix_transactions).
#   * records each scenario with tcpdump -U -w (filter "tcp port 25") on esa0,
#     on cfw0 in esacfw (fw_* scenarios), with tcpdump -i any (LINUX_SLL2)
#     or with dumpcap (pcapng), stops the
#     capture with SIGTERM after the teardown, and writes NAME.expect from what
#     the scenario is built to produce (not from any analysis of the capture).
#   * checks that every capture holds exactly as many connections (client
#     SYNs, retransmissions aside) as its .expect lists, and, for some
#     scenarios, that the packet the scenario is about is really there
#     (cap_check: forged RST with TTL 64, TLS alert, ServerHello version and
#     cipher), so that a changed tool version cannot silently break a design.
#   * cuts Postfix's own log for each scenario into NAME.maillog (every
#     scenario, also those Postfix never sees: then the slice is empty or
#     shows nothing of that client). The private Postfix logs through
#     postlogd (main.cf maillog_file = $RUN/maillog, master.cf "postlog
#     unix-dgram ... postlogd"), never through the host's syslog, with
#     TZ=UTC. cap_start notes the log's size once the capture runs; cap_stop,
#     after the capture is stopped, the log has stopped growing and every
#     smtpd session in it has disconnected, copies what was appended since. The one rewrite: postlogd writes the day of
#     the month zero-padded ("Dec 05 14:07:43 mx postfix/smtpd[123]: ..."),
#     syslog space-padded; the copy has syslog's "Dec  5 14:07:43 ...".
#     ml_check/ml_absent then check the slice for the lines a scenario is
#     built to make Postfix write (or not write).
#   * removes namespaces, stops Postfix/HAProxy on exit (trap).
#
# Environment: OUT (default: testdata/captures), RUN (default:
# /var/tmp/esaflow-record, scratch dir, wiped at start), KEEP_RUN=1 keeps
# $RUN (Postfix maillog, client logs) after the run for debugging.
# Postfix runs with TZ=UTC whatever the host's zone, so NAME.maillog times
# are UTC (syslog lines carry no zone and no year).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$(dirname "$HERE")/captures}
RUN=${RUN:-/var/tmp/esaflow-record}
CONF=$RUN/postfix
MAILLOG=$RUN/maillog # main.cf.in: maillog_file, written by postlogd
SNS=esa
CNS=esacli
FWNS=esafw           # router between the fw_* client and the server
FWCNS=esacfw         # client namespace behind the router
FWCLI=198.51.100.40  # its one address (cfw0)
FWGW_C=198.51.100.41 # router, client link (fwc0)
FWGW_S=192.0.2.250   # router, server link (fws0)
ESA1=192.0.2.249     # server, router link (esa1)
SRV4=192.0.2.25
SRV6=2001:db8::25
FILTER="tcp port 25"

CLIENTS4=(198.51.100.10 198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14
  198.51.100.15 198.51.100.16 198.51.100.17 198.51.100.18 198.51.100.19
  198.51.100.20 198.51.100.21 198.51.100.22 198.51.100.23 198.51.100.24
  198.51.100.30 198.51.100.31 198.51.100.32 198.51.100.33 198.51.100.34
  198.51.100.35 198.51.100.36
  203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.20 203.0.113.21 203.0.113.22)
CLIENTS6=(2001:db8::10 2001:db8::11 2001:db8::12)

SCENARIOS=(port_closed
  postfix_accept_delivered postfix_reject_554 postfix_tempfail_450
  postfix_sender_rejected postfix_recipient_rejected postfix_starttls
  postfix_quit curl_delivery nft_drop_no_answer mixed_host abandoned
  dumpcap_pcapng postfix_tls_required postscreen_drop_521 postscreen_pregreet
  haproxy_tcprefuse silent_close any_sll2_mixed ipv6_mixed
  fw_long_command fw_rcpt_101 postfix_starttls_tls12 tls_version_mismatch
  postfix_command_masked fw_masked_greeting
  fw_sender_320 fw_header_998 fw_attachment_255 postfix_transactions
  postfix_log_mismatch_rst)

log() { printf '[record %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
sns() { ip netns exec "$SNS" "$@"; }
cns() { ip netns exec "$CNS" "$@"; }
fws() { ip netns exec "$FWNS" "$@"; }
fwc() { ip netns exec "$FWCNS" "$@"; }

# ---------------------------------------------------------------- teardown
CAP_PID=
cleanup() {
  set +e
  [ -n "$CAP_PID" ] && cap_kill && wait "$CAP_PID" 2>/dev/null
  postfix_stop
  haproxy_stop
  ip netns del "$FWCNS" 2>/dev/null
  ip netns del "$FWNS" 2>/dev/null
  ip netns del "$CNS" 2>/dev/null
  ip netns del "$SNS" 2>/dev/null
  if [ "${KEEP_RUN:-0}" != 1 ]; then rm -rf "$RUN"; fi
}

# ---------------------------------------------------------------- network
# link_up NS DEV: no router advertisements, offloads off, link up
link_up() {
  local ns=$1 dev=$2
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf."$dev".accept_ra=0 net.ipv6.conf."$dev".router_solicitations=0
  ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off tso off gro off >/dev/null 2>&1 ||
    ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off gro off >/dev/null
  ip -n "$ns" link set "$dev" up
}

net_setup() {
  local ns
  for ns in "$FWCNS" "$FWNS" "$CNS" "$SNS"; do ip netns del "$ns" 2>/dev/null || true; done
  for ns in "$SNS" "$CNS" "$FWNS" "$FWCNS"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip link add esa0 netns "$SNS" type veth peer name cli0 netns "$CNS"
  link_up "$SNS" esa0
  link_up "$CNS" cli0
  # server side
  ip -n "$SNS" addr add "$SRV4/24" dev esa0
  ip -n "$SNS" -6 addr add "$SRV6/64" dev esa0 nodad
  ip -n "$SNS" route add 198.51.100.0/24 dev esa0
  ip -n "$SNS" route add 203.0.113.0/24 dev esa0
  # client side
  local a
  for a in "${CLIENTS4[@]}"; do ip -n "$CNS" addr add "$a/32" dev cli0; done
  for a in "${CLIENTS6[@]}"; do ip -n "$CNS" -6 addr add "$a/64" dev cli0 nodad; done
  ip -n "$CNS" route add 192.0.2.0/24 dev cli0 src "${CLIENTS4[0]}"
  fw_net_setup
  sleep 1
}

# The routed path esacfw -- esafw -- esa (see the top of this file). Point-to-
# point ("peer") addresses: each end has a /32 and a host route to the other.
fw_net_setup() {
  ip link add cfw0 netns "$FWCNS" type veth peer name fwc0 netns "$FWNS"
  ip link add esa1 netns "$SNS" type veth peer name fws0 netns "$FWNS"
  local nd
  for nd in "$FWCNS cfw0" "$FWNS fwc0" "$FWNS fws0" "$SNS esa1"; do
    set -- $nd
    ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".disable_ipv6=1
    link_up "$1" "$2"
  done
  ip -n "$FWCNS" addr add "$FWCLI" peer "$FWGW_C" dev cfw0
  ip -n "$FWCNS" route add 192.0.2.0/24 via "$FWGW_C" dev cfw0 src "$FWCLI"
  ip -n "$FWNS" addr add "$FWGW_C" peer "$FWCLI" dev fwc0
  ip -n "$FWNS" addr add "$FWGW_S" peer "$ESA1" dev fws0
  ip -n "$FWNS" route add "$SRV4/32" via "$ESA1" dev fws0
  fws sysctl -qw net.ipv4.ip_forward=1
  ip -n "$SNS" addr add "$ESA1" peer "$FWGW_S" dev esa1
  ip -n "$SNS" route add "$FWCLI/32" via "$FWGW_S" dev esa1
}

# Make CLIENT the source address for the next client connections.
client_ip() {
  case $1 in
    *:*) ip -n "$CNS" -6 route replace "$SRV6/128" dev cli0 src "$1" ;;
    *) ip -n "$CNS" route replace "$SRV4/32" dev cli0 src "$1" ;;
  esac
}

# ---------------------------------------------------------------- servers
# master -t exits 0 when the instance could start, i.e. is NOT running
postfix_running() { [ -f "$CONF/main.cf" ] && ! /usr/lib/postfix/sbin/master -c "$CONF" -t 2>/dev/null; }

postfix_stop() {
  PF_STATE=
  [ -f "$CONF/main.cf" ] || return 0
  if postfix_running; then sns postfix -c "$CONF" stop >>"$RUN/postfix.log" 2>&1 || true; fi
}

# postfix_start MODE [key=value ...]: (re)start the private Postfix with
# master.cf.MODE and main.cf overrides, unless it already runs exactly so.
PF_STATE=
postfix_start() {
  local mode=$1; shift
  [ "$PF_STATE" = "$mode $*" ] && return 0
  postfix_stop
  mkdir -p "$CONF" "$RUN/spool" "$RUN/data"
  sed -e "s|@RUN@|$RUN|g" -e "s|@CONF@|$CONF|g" "$HERE/main.cf.in" >"$CONF/main.cf"
  cat "$HERE/master.cf.common" "$HERE/master.cf.$mode" >"$CONF/master.cf"
  cp "$HERE/client_access.cidr" "$HERE/postscreen_access.cidr" "$HERE/sender_access.regexp" "$CONF/"
  if [ $# -gt 0 ]; then postconf -c "$CONF" -e "$@"; fi
  chown root:root "$RUN/spool"
  chown postfix:postfix "$RUN/data"
  # TZ=UTC: Postfix (import_environment has TZ) stamps its log in UTC
  sns env TZ=UTC postfix -c "$CONF" start >>"$RUN/postfix.log" 2>&1 || { cat "$RUN/postfix.log" >&2; die "postfix start failed"; }
  local port=25; [ "$mode" = behind ] && port=10025
  wait_listen $port
  PF_STATE="$mode $*"
}

postfix_reload() {
  sns env TZ=UTC postfix -c "$CONF" reload >>"$RUN/postfix.log" 2>&1
  sleep 2
}

haproxy_start() {
  sed -e "s|@RUN@|$RUN|g" "$HERE/haproxy.cfg.in" >"$RUN/haproxy.cfg"
  sns haproxy -D -f "$RUN/haproxy.cfg" >>"$RUN/haproxy.log" 2>&1 || { cat "$RUN/haproxy.log" >&2; die "haproxy start failed"; }
  wait_listen 25
}

haproxy_stop() {
  [ -f "$RUN/haproxy.pid" ] || return 0
  local p
  for p in $(cat "$RUN/haproxy.pid"); do kill "$p" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for p in $(cat "$RUN/haproxy.pid"); do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.3
  done
  rm -f "$RUN/haproxy.pid"
}

wait_listen() {
  local port=$1
  for _ in $(seq 50); do
    sns ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.2
  done
  die "nothing listens on port $port in $SNS"
}

# ---------------------------------------------------------------- capture
# cap_start NAME [veth|any|dumpcap|cfw]   (cfw: on cfw0, the fw_* client's veth)
CAP_NAME= CAP_FILE= CAP_MODE=
EXP=() EXP_NOTES=()
cap_start() {
  CAP_NAME=$1 CAP_MODE=${2:-veth}
  EXP=() EXP_NOTES=()
  rm -f "$OUT/$CAP_NAME.pcap" "$OUT/$CAP_NAME.pcapng" "$OUT/$CAP_NAME.expect" "$OUT/$CAP_NAME.maillog"
  local err=$RUN/cap-$CAP_NAME.log
  case $CAP_MODE in
    veth) CAP_FILE=$OUT/$CAP_NAME.pcap
      sns tcpdump -Z root -U -i esa0 -w "$CAP_FILE" $FILTER 2>"$err" & ;;
    any) CAP_FILE=$OUT/$CAP_NAME.pcap
      sns tcpdump -Z root -U -i any -w "$CAP_FILE" $FILTER 2>"$err" & ;;
    dumpcap) CAP_FILE=$OUT/$CAP_NAME.pcapng
      sns dumpcap -q -i esa0 -f "$FILTER" -w "$CAP_FILE" 2>"$err" & ;;
    cfw) CAP_FILE=$OUT/$CAP_NAME.pcap
      fwc tcpdump -Z root -U -i cfw0 -w "$CAP_FILE" $FILTER 2>"$err" & ;;
  esac
  CAP_PID=$!
  for _ in $(seq 50); do
    grep -qE 'listening on|Capturing on|File:' "$err" 2>/dev/null && break
    kill -0 "$CAP_PID" 2>/dev/null || { cat "$err" >&2; die "capture for $CAP_NAME died"; }
    sleep 0.1
  done
  sleep 0.5
  ml_mark
  log "recording $CAP_NAME ($CAP_MODE)"
}

# cap_kill stops the capture program. A background job of a
# non-interactive shell ignores SIGINT, so tcpdump/dumpcap would never see
# it: send SIGTERM (both flush and close the file on it) to the program,
# which is the child of the job's subshell, and then to the job itself.
cap_kill() {
  pkill -TERM -P "$CAP_PID" 2>/dev/null || true
  kill -TERM "$CAP_PID" 2>/dev/null || true
}

# exp CLIENT SERVER:PORT VERDICT [OUTCOME] [KEY=VALUE ...]
# (in the order connections start). KEY=VALUE tokens are further assertions
# on the connection, e.g. flags=a,b  tls_version=TLSv1.2  tls_cipher=IANA_NAME
# tls_alert=NAME; they always come after the OUTCOME.
exp() { EXP+=("conn $*"); }

# exp_note TEXT: a comment line "# TEXT" at the top of NAME.expect (after the
# description), e.g. a scenario's designed dialogue; the test reads no comment.
exp_note() { EXP_NOTES+=("# $*"); }

cap_stop() {
  local desc=$1
  sleep 2 # let teardown (FIN/ACK, late RST) reach the capture
  cap_kill
  wait "$CAP_PID" || true
  CAP_PID=
  [ -s "$CAP_FILE" ] || die "$CAP_NAME: empty capture"
  write_expect "$desc"
  ml_cut
}

# ---------------------------------------------------------------- maillog
# Postfix's log for one scenario: ml_mark (in cap_start, once the capture
# runs) notes how long $MAILLOG is; ml_cut (in cap_stop, after the capture
# stopped) waits until the log has stopped growing (postlogd writes each
# record as it comes) and every smtpd "connect from" since the mark has its
# "disconnect from" (at most 30 s: a session that a forged RST left open on
# the server's side ends with smtpd's timeout, see FW_POSTFIX), then copies
# what was appended since the mark into $OUT/$CAP_NAME.maillog, an empty
# file if nothing was. Day of the month from postlogd's "Dec 05" to
# syslog's "Dec  5"; nothing else changes.
ML_OFF=0
ml_size() { stat -c %s "$MAILLOG" 2>/dev/null || echo 0; }
ml_mark() { ML_OFF=$(ml_size); }
ml_cut() {
  local prev=-1 cur i slice con=0 dis=0
  for i in $(seq 60); do
    cur=$(ml_size)
    if [ "$cur" = "$prev" ]; then
      slice=$(tail -c +$((ML_OFF + 1)) "$MAILLOG" 2>/dev/null || true)
      con=$(grep -c 'postfix/smtpd\[[0-9]*\]: connect from' <<<"$slice" || true)
      dis=$(grep -c 'postfix/smtpd\[[0-9]*\]: disconnect from' <<<"$slice" || true)
      [ "$con" = "$dis" ] && break
    fi
    prev=$cur
    sleep 0.5
  done
  [ "$con" = "$dis" ] || log "WARNING: $CAP_NAME: $con smtpd connect but $dis disconnect lines after 30 s"
  local ml=$OUT/$CAP_NAME.maillog
  if [ -f "$MAILLOG" ]; then
    tail -c +$((ML_OFF + 1)) "$MAILLOG" | sed -E 's/^([A-Z][a-z]{2}) 0([1-9]) /\1  \2 /' >"$ml"
  else
    : >"$ml"
  fi
  log "wrote $ml ($(wc -l <"$ml") Postfix log lines)"
}

# ml_check ERE WHAT: after cap_stop, the scenario's log slice must hold a
# line matching ERE; ml_absent ERE WHAT: no line may match. Checks of the
# recording (what Postfix really logged), like cap_check.
ml_check() {
  grep -qE "$1" "$OUT/$CAP_NAME.maillog" || die "$CAP_NAME: Postfix's log slice shows no $2 ($1)"
  log "$CAP_NAME: Postfix logged $2"
}
ml_absent() {
  ! grep -qE "$1" "$OUT/$CAP_NAME.maillog" || die "$CAP_NAME: Postfix's log slice holds what it should not: $2 ($1)"
  log "$CAP_NAME: Postfix logged no $2"
}

# write_expect DESC: write $OUT/$CAP_NAME.expect from EXP and check that
# $CAP_FILE holds as many connections as it lists.
write_expect() {
  local desc=$1
  local e=$OUT/$CAP_NAME.expect
  {
    echo "# $CAP_NAME: $desc"
    echo "# Written by testdata/record/record.sh from the scenario design, not by esaflow."
    [ ${#EXP_NOTES[@]} -eq 0 ] || printf '%s\n' "${EXP_NOTES[@]}"
    echo "# conn CLIENT_ADDR SERVER_ADDR:SERVER_PORT VERDICT [OUTCOME] [KEY=VALUE ...]"
    printf '%s\n' "${EXP[@]}"
    echo "# host CLIENT_ADDR VERDICT"
    printf '%s\n' "${EXP[@]}" | awk '
      { c=$2; v=$4; if (!(c in seen)) { seen[c]=v; order[++n]=c } else if (seen[c]!=v) seen[c]="MIXED" }
      END { for (i=1;i<=n;i++) print "host", order[i], seen[order[i]] }'
  } >"$e"
  # sanity: number of connections (distinct client SYN 4-tuples) == conn lines
  local got want
  got=$(tshark -r "$CAP_FILE" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  want=${#EXP[@]}
  [ "$got" = "$want" ] || die "$CAP_NAME: capture has $got connections, .expect lists $want"
  EXP_NOTES=()
  log "wrote $CAP_FILE ($(stat -c %s "$CAP_FILE") bytes, $got conns)"
}

# cap_check DISPLAY_FILTER WHAT: after cap_stop, the capture must hold at
# least one packet matching the tshark display filter (port 25 is decoded as
# SMTP, so STARTTLS is followed into TLS). A check of the recording, not a
# source of the .expect.
cap_check() {
  local n
  n=$(tshark -r "$CAP_FILE" -d tcp.port==25,smtp -Y "$1" 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || die "$CAP_NAME: no packet in the capture shows $2 ($1)"
  log "$CAP_NAME: $n packet(s) show $2"
}

# ---------------------------------------------------------------- clients
MSG=$RUN/msg.eml
BODY=$RUN/body.txt
make_payloads() {
  {
    echo "This test message is a few KB long so that DATA spans several TCP segments."
    local i
    for i in $(seq 1 60); do printf 'line %02d: the quick brown fox jumps over the lazy dog 0123456789\n' "$i"; done
  } >"$BODY"
  {
    printf 'From: Sender <sender@example.org>\r\n'
    printf 'To: Rcpt <rcpt@example.net>\r\n'
    printf 'Subject: esaflow curl capture\r\n'
    printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n'
    printf 'Message-ID: <curl-1@client.example.org>\r\n\r\n'
    sed 's/$/\r/' "$BODY"
  } >"$MSG"
  mkdir -p "$RUN/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=mx.example.net" -keyout "$RUN/tls/key.pem" -out "$RUN/tls/cert.pem" 2>/dev/null
  chmod 600 "$RUN/tls/key.pem"
}

# swaks SERVER [swaks args...]; never fails the script (rejections are the point)
swaks_to() {
  local srv=$1; shift
  cns swaks --server "$srv" --port 25 --helo client.example.org --timeout 10 \
    --from sender@example.org --to rcpt@example.net "$@" >>"$RUN/clients.log" 2>&1 || true
}

curl_smtp() {
  local url=$1; shift
  cns curl -sS --connect-timeout 3 "$url" "$@" >>"$RUN/clients.log" 2>&1 || true
}

# smtp_lines NS SERVER CMDFILE: a lock-step SMTP client in bash (/dev/tcp):
# read the greeting, then for each line of CMDFILE send it (+CRLF, in one
# write, so one TCP segment) and wait for the whole reply (last line "NNN ").
# Stops at the first connection error (e.g. a RST) or after 10 s of silence.
# Transcript (commands cut to 60 characters) in $RUN/clients.log.
smtp_lines() {
  local ns=$1 srv=$2 cmds=$3
  echo "=== smtp_lines $srv $cmds" >>"$RUN/clients.log"
  ip netns exec "$ns" bash -c '
    reply() {
      local l
      while IFS= read -r -t 10 l <&3; do
        printf "S: %s\n" "${l%$'"'"'\r'"'"'}"
        [[ $l =~ ^[0-9]{3}\  ]] && return 0
      done
      echo "-- no (more) reply: connection closed/reset or 10 s silence"; return 1
    }
    exec 3<>"/dev/tcp/$1/25" || exit 1
    reply || exit 1
    while IFS= read -r cmd; do
      printf "C: %.60s (%d chars)\n" "$cmd" ${#cmd}
      printf "%s\r\n" "$cmd" >&3 || { echo "-- write failed"; exit 1; }
      reply || exit 1
    done <"$2"
    exec 3<&-' smtp_lines "$srv" "$cmds" >>"$RUN/clients.log" 2>&1 || true
}

# ---------------------------------------------------------------- scenarios
s_port_closed() {
  # no server runs yet: nothing listens on port 25 in the server namespace
  postfix_stop; haproxy_stop
  local c=198.51.100.15; client_ip $c
  cap_start port_closed
  curl_smtp "smtp://$SRV4:25/client.example.org"
  exp $c $SRV4:25 PORT_CLOSED
  cap_stop "nothing listens on 192.0.2.25:25: SYN -> RST/ACK"
  ml_absent "198\.51\.100\.15" "line for the client"
}

s_postfix_accept_delivered() {
  direct_postfix
  local c=198.51.100.10; client_ip $c
  cap_start postfix_accept_delivered
  swaks_to $SRV4 --body @"$BODY" --header "Subject: esaflow accept capture"
  exp $c $SRV4:25 ACCEPT DELIVERED
  cap_stop "220, EHLO 250, MAIL 250, RCPT 250, DATA 354, ~4.6 KB message, 250 queued, QUIT 221"
  ml_check "disconnect from unknown\[198\.51\.100\.10\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" "the delivery session"
  ml_check "status=sent" "the message delivered (discard)"
}

s_postfix_reject_554() {
  direct_postfix
  local c=198.51.100.11; client_ip $c
  cap_start postfix_reject_554
  swaks_to $SRV4
  exp $c $SRV4:25 REJECT reason=access_denied
  cap_stop "smtpd_delay_reject=no + check_client_access REJECT: 554 5.7.1 instead of 220; client QUIT, 221"
  ml_check "NOQUEUE: reject: CONNECT from unknown\[198\.51\.100\.11\]: 554 5\.7\.1" "the 554 at connect"
}

s_postfix_tempfail_450() {
  direct_postfix
  local c=198.51.100.12; client_ip $c
  cap_start postfix_tempfail_450
  swaks_to $SRV4
  exp $c $SRV4:25 TEMPFAIL reason=access_denied
  cap_stop "check_client_access '450 4.7.1 ...': 450 instead of 220; client QUIT, 221"
  ml_check "NOQUEUE: reject: CONNECT from unknown\[198\.51\.100\.12\]: 450 4\.7\.1" "the 450 at connect"
}

s_postfix_sender_rejected() {
  direct_postfix
  local c=198.51.100.17; client_ip $c
  cap_start postfix_sender_rejected
  swaks_to $SRV4 --from ghost@no-such-domain.invalid
  exp $c $SRV4:25 ACCEPT SENDER_REJECTED reason=sender_dns_verification
  cap_stop "220, EHLO 250, MAIL FROM 553 5.1.8 Sender address rejected, QUIT 221"
  ml_check "reject: MAIL from unknown\[198\.51\.100\.17\]: 553 5\.1\.8" "the 553 to MAIL"
}

s_postfix_recipient_rejected() {
  direct_postfix
  local c=198.51.100.18; client_ip $c
  cap_start postfix_recipient_rejected
  swaks_to $SRV4 --to someone@elsewhere.example
  exp $c $SRV4:25 ACCEPT RECIPIENT_REJECTED reason=relay_denied
  cap_stop "220, EHLO 250, MAIL 250, RCPT 554 5.7.1 Relay access denied, QUIT 221"
  ml_check "reject: RCPT from unknown\[198\.51\.100\.18\]: 554 5\.7\.1 .*Relay access denied" "the relay denial"
}

s_postfix_starttls() {
  direct_postfix
  local c=198.51.100.19; client_ip $c
  cap_start postfix_starttls
  swaks_to $SRV4 --tls --body @"$BODY" --header "Subject: esaflow starttls capture"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "220, EHLO 250 (STARTTLS offered), STARTTLS 220 2.0.0, TLS 1.3 handshake + encrypted delivery"
  ml_check "TLS connection established from unknown\[198\.51\.100\.19\]: TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384" "the TLS 1.3 session"
}

s_postfix_quit() {
  direct_postfix
  local c=198.51.100.21; client_ip $c
  cap_start postfix_quit
  swaks_to $SRV4 --quit-after EHLO
  exp $c $SRV4:25 ACCEPT QUIT
  cap_stop "220, EHLO 250, QUIT 221, close"
  ml_check "disconnect from unknown\[198\.51\.100\.21\] ehlo=1 quit=1 commands=2" "EHLO and QUIT"
}

s_curl_delivery() {
  direct_postfix
  local c=198.51.100.22; client_ip $c
  cap_start curl_delivery
  curl_smtp "smtp://$SRV4:25/client.example.org" --mail-from sender@example.org \
    --mail-rcpt rcpt@example.net -T "$MSG"
  exp $c $SRV4:25 ACCEPT DELIVERED
  cap_stop "curl as SMTP client: 220, EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT"
  ml_check "disconnect from unknown\[198\.51\.100\.22\] ehlo=1 mail=1 rcpt=1 data=1 quit=1" "the delivery session"
}

s_nft_drop_no_answer() {
  direct_postfix
  local c=198.51.100.16; client_ip $c
  sns nft -f - <<EOF
table inet esaflow_rig {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr $c tcp dport 25 drop
  }
}
EOF
  cap_start nft_drop_no_answer
  curl_smtp "smtp://$SRV4:25/client.example.org" # --connect-timeout 3
  exp $c $SRV4:25 NO_ANSWER
  cap_stop "nftables drops the client's SYNs: SYN + retransmissions, no answer; curl gives up after 3 s"
  ml_absent "198\.51\.100\.16" "line for the client"
  sns nft delete table inet esaflow_rig
}

s_mixed_host() {
  direct_postfix
  local c=198.51.100.23; client_ip $c
  cap_start mixed_host
  swaks_to $SRV4 --quit-after EHLO
  exp $c $SRV4:25 ACCEPT QUIT
  # the client lands on the block list: add it to the access map, postfix reload
  echo "$c   REJECT" >>"$CONF/client_access.cidr"
  postfix_reload
  swaks_to $SRV4
  exp $c $SRV4:25 REJECT reason=access_denied
  cap_stop "same client: 1st connection 220/EHLO/QUIT; access map changed + postfix reload; 2nd connection 554"
  ml_check "disconnect from unknown\[198\.51\.100\.23\] ehlo=1 quit=1" "the first session"
  ml_check "reload -- version" "the reload"
  ml_check "NOQUEUE: reject: CONNECT from unknown\[198\.51\.100\.23\]: 554" "the 554 to the second"
  cp "$HERE/client_access.cidr" "$CONF/client_access.cidr"
  postfix_reload
}

s_abandoned() {
  direct_postfix
  # check_client_access returns "sleep 4": smtpd holds the greeting 4 s;
  # the client gives up after 1 s (FIN), the late 220 is answered with RST.
  local c=198.51.100.30; client_ip $c
  cap_start abandoned
  cns bash -c "exec 3<>/dev/tcp/$SRV4/25; sleep 1; exec 3<&-" || true
  sleep 4
  exp $c $SRV4:25 ABANDONED
  cap_stop "handshake, client FIN after 1 s with no server byte yet; server's late 220 answered by client RST"
  ml_check "lost connection after CONNECT from unknown\[198\.51\.100\.30\]" "the lost connection after CONNECT"
}

s_dumpcap_pcapng() {
  direct_postfix
  cap_start dumpcap_pcapng dumpcap
  client_ip 203.0.113.20
  swaks_to $SRV4 --body @"$BODY" --header "Subject: esaflow dumpcap capture"
  exp 203.0.113.20 $SRV4:25 ACCEPT DELIVERED
  client_ip 203.0.113.21
  swaks_to $SRV4
  exp 203.0.113.21 $SRV4:25 TEMPFAIL reason=access_denied
  client_ip 203.0.113.22
  swaks_to $SRV4 --to someone@elsewhere.example
  exp 203.0.113.22 $SRV4:25 ACCEPT RECIPIENT_REJECTED reason=relay_denied
  cap_stop "pcapng by dumpcap: delivery, 450 greeting, relay denied"
  ml_check "disconnect from unknown\[203\.0\.113\.20\] ehlo=1 mail=1 rcpt=1 data=1" "the delivery"
  ml_check "NOQUEUE: reject: CONNECT from unknown\[203\.0\.113\.21\]: 450" "the 450"
  ml_check "NOQUEUE: reject: RCPT from unknown\[203\.0\.113\.22\]: 554" "the relay denial"
}

s_postfix_tls_required() {
  direct_postfix smtpd_tls_security_level=encrypt
  local c=198.51.100.20; client_ip $c
  cap_start postfix_tls_required
  swaks_to $SRV4
  exp $c $SRV4:25 ACCEPT TLS_REQUIRED reason=tls_required
  cap_stop "smtpd_tls_security_level=encrypt, client without TLS: 220, EHLO 250, MAIL 530 5.7.0 Must issue a STARTTLS command first, QUIT 221"
  ml_check "disconnect from unknown\[198\.51\.100\.20\] ehlo=1 mail=0/1 quit=1" "the refused MAIL"
}

s_postscreen_drop_521() {
  haproxy_stop; postfix_start postscreen
  cap_start postscreen_drop_521
  client_ip 198.51.100.13
  swaks_to $SRV4
  exp 198.51.100.13 $SRV4:25 REJECT reason=5.3.x+mail+system
  client_ip 198.51.100.24
  swaks_to $SRV4 --quit-after EHLO
  exp 198.51.100.24 $SRV4:25 ACCEPT QUIT
  cap_stop "postscreen: denylisted client gets 521 and server FIN at once; allowlisted client 220/EHLO/QUIT via smtpd"
  ml_check "postscreen\[[0-9]+\]: DENYLISTED \[198\.51\.100\.13\]" "the denylisted client"
  ml_check "postscreen\[[0-9]+\]: ALLOWLISTED \[198\.51\.100\.24\]" "the allowlisted client"
  ml_check "smtpd\[[0-9]+\]: disconnect from unknown\[198\.51\.100\.24\] ehlo=1 quit=1" "its smtpd session"
}

s_postscreen_pregreet() {
  haproxy_stop; postfix_start postscreen
  # postscreen sends "220-" and waits; a client that speaks before the
  # greeting is over is dropped with 521 (postscreen_greet_action = drop).
  local c=198.51.100.32; client_ip $c
  cap_start postscreen_pregreet
  cns bash -c "exec 3<>/dev/tcp/$SRV4/25; printf 'EHLO early.example\r\n' >&3; timeout 6 cat <&3 >/dev/null; exec 3<&-" || true
  exp $c $SRV4:25 REJECT reason=5.5.x+mail+delivery+protocol
  cap_stop "postscreen pregreet: client sends EHLO before the greeting is over; '220-' then 521 and server RST"
  ml_check "postscreen\[[0-9]+\]: PREGREET .* from \[198\.51\.100\.32\]" "the pregreet"
}

# server setups: Postfix alone on port 25, or HAProxy on 25 in front of it
direct_postfix() { haproxy_stop; postfix_start direct "$@"; }
behind_haproxy() {
  postfix_start behind
  [ -f "$RUN/haproxy.pid" ] || haproxy_start
}

s_haproxy_tcprefuse() {
  behind_haproxy
  local c=198.51.100.14; client_ip $c
  cap_start haproxy_tcprefuse
  swaks_to $SRV4
  exp $c $SRV4:25 TCPREFUSE
  cap_stop "HAProxy 'tcp-request connection reject': handshake, then RST from the server, no byte"
  ml_absent "198\.51\.100\.14" "line for the client"
}

s_silent_close() {
  behind_haproxy
  local c=198.51.100.31; client_ip $c
  cap_start silent_close
  swaks_to $SRV4
  exp $c $SRV4:25 SILENT_CLOSE
  cap_stop "HAProxy 'tcp-request content reject' after 2 s inspect-delay: handshake, no byte, server FIN"
  ml_absent "198\.51\.100\.31" "line for the client"
}

s_any_sll2_mixed() {
  behind_haproxy
  cap_start any_sll2_mixed any
  client_ip 203.0.113.10
  swaks_to $SRV4 --body @"$BODY" --header "Subject: esaflow sll2 capture"
  exp 203.0.113.10 $SRV4:25 ACCEPT DELIVERED
  client_ip 203.0.113.11
  swaks_to $SRV4
  exp 203.0.113.11 $SRV4:25 REJECT reason=access_denied
  client_ip 203.0.113.12
  swaks_to $SRV4
  exp 203.0.113.12 $SRV4:25 TCPREFUSE
  cap_stop "tcpdump -i any (LINUX_SLL2), HAProxy in front of Postfix: delivery, 554 greeting, HAProxy RST"
  ml_check "disconnect from unknown\[203\.0\.113\.10\] ehlo=1 mail=1 rcpt=1 data=1" "the delivery"
  ml_check "NOQUEUE: reject: CONNECT from unknown\[203\.0\.113\.11\]: 554" "the 554"
  ml_absent "203\.0\.113\.12" "line for the client HAProxy refuses"
}

s_ipv6_mixed() {
  behind_haproxy
  cap_start ipv6_mixed
  client_ip 2001:db8::10
  swaks_to $SRV6 --body @"$BODY" --header "Subject: esaflow ipv6 capture"
  exp 2001:db8::10 $SRV6:25 ACCEPT DELIVERED
  client_ip 2001:db8::11
  swaks_to $SRV6
  exp 2001:db8::11 $SRV6:25 REJECT reason=access_denied
  client_ip 2001:db8::12
  swaks_to $SRV6
  exp 2001:db8::12 $SRV6:25 TCPREFUSE
  cap_stop "IPv6, HAProxy in front of Postfix: delivery, 554 greeting, HAProxy RST"
  ml_check "disconnect from unknown\[2001:db8::10\] ehlo=1 mail=1 rcpt=1 data=1" "the delivery"
  ml_check "NOQUEUE: reject: CONNECT from unknown\[2001:db8::11\]: 554" "the 554"
  ml_absent "2001:db8::12\]" "line for the client HAProxy refuses"
}

# ---------------------------------------------------------------- fw_* (router esafw)
# A firewall doing "ESMTP inspection" sits between the client and the server
# and, when a limit of its own is hit, kills the connection by sending the
# client a TCP reset in the server's name. The server never sees the
# offending segment and never sends a reset; the forged RST is told apart
# from a real one only by where it comes from: the router originates it with
# TTL 64, while the server's packets, forwarded by the router, arrive with
# TTL 63. The capture is on cfw0 (client side of the router), so it holds
# both. Postfix runs in "direct" mode; the client is $FWCLI in esacfw.
# After-effect, in both captures: the dropped client segment also carried
# the ACK of the server's last reply (the lock-step client sends its next
# command at once, before a delayed ACK), so ~200 ms after the forged RST the
# server retransmits that reply (TTL 63) and the client's kernel, which has
# closed the socket, answers it with a RST of its own (TTL 64, from the
# client address). That RST reaches the server and ends its side too
# (maillog: "lost connection after EHLO/RCPT"). A genuine server RST is
# never followed by the server's own retransmission.
#
# Postfix behind the router runs with smtpd_timeout=10s (default 300s): a
# forged RST that leaves the server's side open (fw_attachment_255: the
# server had no unacknowledged data, so no retransmission draws the
# client's RST) ends on the server "timeout after DATA" within the
# scenario's log slice, after the capture has stopped (ml_cut waits for it),
# instead of in a later scenario's slice.
FW_POSTFIX=(smtpd_timeout=10s)
#
# fw_nft RULESET: load "table ip esaflow_fw" (forward chain) into the router.
fw_nft() {
  fws nft delete table ip esaflow_fw 2>/dev/null || true
  fws nft -f - <<<"$1"
}

s_fw_long_command() {
  direct_postfix "${FW_POSTFIX[@]}"
  # The limit: an SMTP command line longer than 512 characters (RFC 5321
  # 4.5.3.1.4). The client says EHLO, then NOOP with a 600-character argument
  # (NOOP may carry a string; not MAIL FROM, whose own limit is 320): a
  # 607-byte payload, IP length 20 + 32 (TCP with timestamps) + 607 = 659.
  # Every other client segment is far below 600 bytes. The router answers
  # the long segment with a RST to the client and drops it.
  fw_nft "table ip esaflow_fw {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr $FWCLI ip daddr $SRV4 tcp dport 25 ip length > 600 reject with tcp reset
  }
}"
  local cmds=$RUN/fw_long_command.cmds
  {
    echo "EHLO client.example.org"
    echo "NOOP $(printf 'x%.0s' $(seq 600))"
    echo "QUIT" # never sent: the reset ends the connection first
  } >"$cmds"
  cap_start fw_long_command cfw
  smtp_lines "$FWCNS" "$SRV4" "$cmds"
  exp $FWCLI $SRV4:25 ACCEPT RESET flags=rst_forged_suspected,inspection_limit:command_line_512
  cap_stop "router esafw between client and server: 220, EHLO 250, 607-byte NOOP line; the router forges a RST from 192.0.2.25 (TTL 64, server packets TTL 63); the server never sees the line, retransmits its EHLO reply, the client answers RST"
  ml_check "lost connection after EHLO from unknown\[$FWCLI\]" "the lost connection after EHLO"
  cap_check "ip.src==$SRV4 && tcp.flags.reset==1 && ip.ttl==64" "the forged RST (TTL 64)"
  cap_check "ip.src==$SRV4 && ip.ttl==63 && smtp.response.code==220" "the server's 220 (TTL 63)"
  fws nft delete table ip esaflow_fw
}

s_fw_rcpt_101() {
  direct_postfix "${FW_POSTFIX[@]}"
  # The limit: 100 recipients per message. nftables keeps no per-connection
  # count of commands, so the router counts bytes instead: client segments
  # whose TCP payload starts with "RCPT" (raw payload match @th,256,32 =
  # the 4 bytes after a 32-byte TCP header, i.e. with timestamps, hence also
  # "tcp doff 8") are charged to a named quota of 100.5 times their IP
  # length. Every RCPT has the same length (u001@example.net ... u101@...),
  # so RCPTs 1-100 stay under the quota and only the 101st is over it: the
  # router drops it and sends the client a RST in the server's name.
  # The client sends one RCPT at a time and waits for each reply; Postfix
  # accepts all 100 (example.net is mydestination, no recipient map).
  local cmds=$RUN/fw_rcpt_101.cmds i
  {
    echo "EHLO client.example.org"
    echo "MAIL FROM:<sender@example.org>"
    for i in $(seq -w 1 101); do printf 'RCPT TO:<u%03d@example.net>\n' "$((10#$i))"; done
    echo "QUIT" # never sent
  } >"$cmds"
  local rcpt_len=$(( $(sed -n 3p "$cmds" | wc -c) + 1 )) # + CR (wc counted the LF)
  local iplen=$(( 20 + 32 + rcpt_len ))
  local quota=$(( iplen * 201 / 2 ))
  fw_nft "table ip esaflow_fw {
  quota rcpt100 { over $quota bytes }
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr $FWCLI ip daddr $SRV4 tcp dport 25 tcp doff 8 @th,256,32 0x52435054 quota name \"rcpt100\" reject with tcp reset
  }
}"
  log "fw_rcpt_101: RCPT segment IP length $iplen, quota over $quota bytes"
  cap_start fw_rcpt_101 cfw
  smtp_lines "$FWCNS" "$SRV4" "$cmds"
  exp $FWCLI $SRV4:25 ACCEPT RESET flags=rst_forged_suspected,inspection_limit:rcpt_count_100
  cap_stop "router esafw: 220, EHLO, MAIL 250, 100 x RCPT 250; the 101st RCPT is answered by a RST forged by the router in the server's name (TTL 64, server packets TTL 63); the server retransmits its 100th 250, the client answers RST"
  ml_check "disconnect from unknown\[$FWCLI\] ehlo=1 mail=1 rcpt=100 commands=102" "100 RCPTs, not 101"
  cap_check "ip.src==$SRV4 && tcp.flags.reset==1 && ip.ttl==64" "the forged RST (TTL 64)"
  cap_check "smtp.req.command==\"RCPT\" && smtp.req.parameter contains \"u101@\"" "the 101st RCPT"
  fws nft delete table ip esaflow_fw
}

# fw_limit NAME LIMIT RULE_LENGTH DESC CLIENT_CMD...: one more inspection
# limit, the fw_long_command way: the router forges a RST for the one client
# segment longer than RULE_LENGTH (IP length), the segment that carries what
# crosses the limit; every other client segment of the session is shorter.
fw_limit() {
  local name=$1 limit=$2 len=$3 desc=$4; shift 4
  direct_postfix "${FW_POSTFIX[@]}"
  fw_nft "table ip esaflow_fw {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr $FWCLI ip daddr $SRV4 tcp dport 25 ip length > $len reject with tcp reset
  }
}"
  cap_start "$name" cfw
  "$@"
  exp $FWCLI $SRV4:25 ACCEPT RESET "flags=rst_forged_suspected,inspection_limit:$limit"
  cap_stop "router esafw: $desc; the router forges a RST in the server's name (TTL 64, server packets TTL 63) for the client segment over IP length $len"
  cap_check "ip.src==$SRV4 && tcp.flags.reset==1 && ip.ttl==64" "the forged RST (TTL 64)"
  fws nft delete table ip esaflow_fw
}

# fw_swaks ARGS...: swaks from the client behind the router.
fw_swaks() {
  fwc swaks --server "$SRV4" --port 25 --helo client.example.org --timeout 10 \
    --from sender@example.org --to rcpt@example.net "$@" >>"$RUN/clients.log" 2>&1 || true
}

s_fw_sender_320() {
  # MAIL FROM with a 330-character local part: a ~355-byte command line
  # (under the 512 limit) whose address is over the 320 limit.
  local cmds=$RUN/fw_sender_320.cmds
  printf '%s\n' "EHLO client.example.org" "MAIL FROM:<$(printf 's%.0s' $(seq 330))@example.org>" "QUIT" >"$cmds"
  fw_limit fw_sender_320 sender_length_320 400 "220, EHLO 250, MAIL FROM with a 342-octet address" \
    smtp_lines "$FWCNS" "$SRV4" "$cmds"
  ml_check "lost connection after EHLO from unknown\[$FWCLI\]" "the lost connection after EHLO (no MAIL seen)"
}

s_fw_header_998() {
  # swaks adds a 1008-octet header line; the message is otherwise small.
  fw_limit fw_header_998 header_line_998 1050 "220, EHLO, MAIL, RCPT, DATA 354, a message with a 1008-octet header line" \
    fw_swaks --add-header "X-Long: $(printf 'h%.0s' $(seq 1000))"
  ml_check "lost connection after DATA \(0 bytes\) from unknown\[$FWCLI\]" "the lost connection after DATA"
}

s_fw_attachment_255() {
  # swaks attaches a small file under a 300-character file name.
  printf 'attachment\n' >"$RUN/attach.txt"
  fw_limit fw_attachment_255 attachment_filename_255 380 "220, EHLO, MAIL, RCPT, DATA 354, a MIME message whose attachment has a 304-octet file name" \
    fw_swaks --attach-name "$(printf 'f%.0s' $(seq 300)).pdf" --attach @"$RUN/attach.txt"
  ml_check "(timeout|lost connection) after DATA \(0 bytes\) from unknown\[$FWCLI\]" "the end of the session after DATA (a timeout: no retransmission draws a client RST)"
}

# ---------------------------------------------------------------- TLS versions
# Postfix's protocol settings come through postfix_start's main.cf overrides
# (the next scenario with other settings restarts Postfix without them).
TLS12_ONLY=("smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2" "smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2")
TLS13_ONLY=("smtpd_tls_protocols=>=TLSv1.3" "smtpd_tls_mandatory_protocols=>=TLSv1.3")

s_postfix_starttls_tls12() {
  direct_postfix "${TLS12_ONLY[@]}"
  # As postfix_starttls, but the server speaks TLS 1.2 at most: the
  # handshake shows ServerHello, Certificate (CN=mx.example.net, in clear in
  # 1.2), ServerKeyExchange... The cipher is the suite Postfix 3.7 and swaks
  # (Net::SSLeay) on Debian 12 (OpenSSL 3.0) settle on for the P-256 ECDSA
  # certificate; cap_check verifies the ServerHello really chose it.
  local c=198.51.100.33; client_ip $c
  cap_start postfix_starttls_tls12
  swaks_to $SRV4 --tls --body @"$BODY" --header "Subject: esaflow starttls tls1.2 capture"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
  cap_stop "smtpd_tls_protocols '>=TLSv1.2, <=TLSv1.2': 220, EHLO 250, STARTTLS 220, TLS 1.2 handshake (certificate in clear), encrypted delivery"
  ml_check "TLS connection established from unknown\[198\.51\.100\.33\]: TLSv1\.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384" "the TLS 1.2 session"
  cap_check "tls.handshake.type==2 && tls.handshake.version==0x0303 && !tls.handshake.extensions.supported_version && tls.handshake.ciphersuite==0xc02c" \
    "a TLS 1.2 ServerHello choosing TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
  cap_check "tls.handshake.type==11 && ip.src==$SRV4" "the server Certificate in clear"
}

s_tls_version_mismatch() {
  direct_postfix "${TLS13_ONLY[@]}"
  # The server allows only TLS 1.3; the client (openssl s_client -tls1_2)
  # offers only TLS 1.2 after STARTTLS: the server answers the ClientHello
  # with a fatal alert protocol_version and the handshake fails.
  local c=198.51.100.34; client_ip $c
  cap_start tls_version_mismatch
  cns timeout 15 openssl s_client -starttls smtp -name client.example.org -tls1_2 \
    -connect $SRV4:25 </dev/null >>"$RUN/clients.log" 2>&1 || true
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_alert=protocol_version
  cap_stop "server TLS 1.3 only, client (openssl s_client -tls1_2) TLS 1.2 only: 220, EHLO, STARTTLS 220, ClientHello, server alert protocol_version"
  ml_check "lost connection after STARTTLS from unknown\[198\.51\.100\.34\]" "the failed handshake"
  cap_check "tls.alert_message.desc==70 && ip.src==$SRV4" "the server's alert protocol_version"
}

# ---------------------------------------------------------------- firewall masks
# A firewall's ESMTP inspection rewrites the dialogue; without such a
# firewall in the rig, two scenarios show its marks another way.

s_postfix_command_masked() {
  direct_postfix
  # Behind an inspecting firewall, a command the firewall does not allow
  # reaches the server as X's (the inspection overwrites it). Recorded on
  # the server's side as the server sees it: the client itself sends the X's
  # and Postfix answers "500 5.5.2 Error: command not recognized".
  local c=198.51.100.35; client_ip $c
  local cmds=$RUN/postfix_command_masked.cmds
  printf '%s\n' "EHLO client.example.org" "XXXX XXXXXXXXXXXXXXXXXXXXXXX" "QUIT" >"$cmds"
  cap_start postfix_command_masked
  smtp_lines "$CNS" "$SRV4" "$cmds"
  exp $c $SRV4:25 ACCEPT QUIT flags=command_masked
  cap_stop "220, EHLO 250, a command overwritten with X's (as an inspecting firewall forwards it), 500 5.5.2 command not recognized, QUIT 221"
  ml_check "disconnect from unknown\[198\.51\.100\.35\] ehlo=1 quit=1 unknown=0/1" "the unknown command"
  cap_check "smtp.response.code==500" "the 500 reply"
}

s_fw_masked_greeting() {
  # Derived, not recorded: the real postfix_accept_delivered session (a
  # client that did not use STARTTLS) rewritten by internal/fwmask the way
  # the inspection rewrites the server's side: the greeting's text masked
  # with asterisks, STARTTLS in the EHLO reply turned into XXXXXXXA. Each
  # rewrite keeps the payload length; TCP checksums are computed again.
  local in=$OUT/postfix_accept_delivered.pcap
  [ -s "$in" ] || die "fw_masked_greeting needs $in (record postfix_accept_delivered first)"
  CAP_NAME=fw_masked_greeting CAP_FILE=$OUT/fw_masked_greeting.pcap EXP=()
  (cd "$HERE/../.." && go run ./internal/fwmask -banner -ehlo -in "$in" -out "$CAP_FILE") ||
    die "fwmask failed"
  exp 198.51.100.10 $SRV4:25 ACCEPT DELIVERED flags=banner_masked,ehlo_masked
  write_expect "postfix_accept_delivered rewritten by internal/fwmask as a firewall's ESMTP inspection would: greeting masked with asterisks, STARTTLS in the EHLO reply masked as XXXXXXXA"
  cap_check "tcp.payload contains \"XXXXXXXA\"" "the masked EHLO keyword"
  # Same session, same Postfix: its log is postfix_accept_delivered's slice.
  rm -f "$OUT/fw_masked_greeting.maillog"
  if [ -f "$OUT/postfix_accept_delivered.maillog" ]; then
    cp "$OUT/postfix_accept_delivered.maillog" "$OUT/fw_masked_greeting.maillog"
    log "wrote $OUT/fw_masked_greeting.maillog (postfix_accept_delivered's)"
  else
    log "WARNING: no postfix_accept_delivered.maillog: fw_masked_greeting.maillog not written"
  fi
}

# ---------------------------------------------------------------- transactions
# PY: Debian's python3 (not a pyenv or venv one that PATH may find first)
PY=/usr/bin/python3

s_postfix_transactions() {
  direct_postfix
  # One connection, four mail transactions in a row, by Python smtplib in
  # lock step (one command, then its whole reply; the client does not
  # pipeline although Postfix offers PIPELINING), plain SMTP, no STARTTLS:
  #   1 MAIL, RCPT accepted, DATA, message: 250 queued              delivered
  #   2 (no RSET before it) MAIL, RCPT to elsewhere.example: 554
  #     Relay access denied (mydestination is example.net only); RSET recipients_refused
  #   3 MAIL from another sender, RCPT accepted, RCPT relay 554,
  #     DATA, message: 250 queued                                    delivered
  #   4 MAIL, RCPT accepted, RSET before DATA                        reset
  #   QUIT 221
  # A message accepted: the connection is ACCEPT DELIVERED (DELIVERED ranks
  # above the refusals, and decides with a 250, so no refusal reason).
  local c=198.51.100.36; client_ip $c
  local dlg=( # as smtplib writes them: verbs in lower case ("mail FROM:<...>")
    "(connect) -> 220"
    "ehlo client.example.org -> 250"
    "mail FROM:<sender@example.org> -> 250"
    "rcpt TO:<rcpt@example.net> -> 250"
    "data -> 354"
    "<message of tx 1> . -> 250"
    "mail FROM:<sender@example.org> -> 250"
    "rcpt TO:<someone@elsewhere.example> -> 554"
    "rset -> 250"
    "mail FROM:<other@example.org> -> 250"
    "rcpt TO:<rcpt@example.net> -> 250"
    "rcpt TO:<someone@elsewhere.example> -> 554"
    "data -> 354"
    "<message of tx 3> . -> 250"
    "mail FROM:<sender@example.org> -> 250"
    "rcpt TO:<rcpt@example.net> -> 250"
    "rset -> 250"
    "quit -> 221"
  )
  cap_start postfix_transactions
  echo "=== python smtplib postfix_transactions" >>"$RUN/clients.log"
  cns timeout 30 "$PY" - "$SRV4" >>"$RUN/clients.log" 2>&1 <<'PYEOF' || true
import smtplib, sys

def message(n, sender):
    return ("From: <%s>\r\nTo: <rcpt@example.net>\r\n"
            "Subject: esaflow transactions capture, message %d\r\n"
            "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
            "Message-ID: <tx%d@client.example.org>\r\n\r\n"
            "Message %d of the postfix_transactions scenario.\r\n" % (sender, n, n, n))

s = smtplib.SMTP(sys.argv[1], 25, local_hostname="client.example.org", timeout=10)
s.set_debuglevel(1)  # transcript (send:/reply:) on stderr
try:
    s.ehlo()
    # 1: delivered
    s.mail("sender@example.org"); s.rcpt("rcpt@example.net")
    s.data(message(1, "sender@example.org"))
    # 2: no RSET before it; the one recipient refused (relay), then RSET
    s.mail("sender@example.org"); s.rcpt("someone@elsewhere.example")
    s.rset()
    # 3: one recipient accepted, one refused, message accepted
    s.mail("other@example.org"); s.rcpt("rcpt@example.net"); s.rcpt("someone@elsewhere.example")
    s.data(message(3, "other@example.org"))
    # 4: recipient accepted, RSET before DATA
    s.mail("sender@example.org"); s.rcpt("rcpt@example.net")
    s.rset()
    s.quit()
except Exception as e:
    print("python:", type(e).__name__, e)
PYEOF
  exp $c $SRV4:25 ACCEPT DELIVERED
  exp_note "dialogue, as designed (command -> reply code; cap_dialogue checks the capture holds it):"
  local l; for l in "${dlg[@]}"; do exp_note "  $l"; done
  exp_note "tx 1 delivered"
  exp_note "tx 2 recipients_refused"
  exp_note "tx 3 delivered"
  exp_note "tx 4 reset"
  cap_stop "one connection, four transactions in lock step: MAIL/RCPT/DATA 250 queued; MAIL, RCPT 554 relay denied, RSET; MAIL, RCPT 250 + RCPT 554, DATA 250 queued; MAIL, RCPT 250, RSET; QUIT 221"
  ml_check "disconnect from unknown\[198\.51\.100\.36\] ehlo=1 mail=4 rcpt=3/5 data=2 rset=2 quit=1 commands=13/15" "the four transactions"
  cap_dialogue "${dlg[@]}"
}

# cap_dialogue LINE...: after cap_stop, the capture's one SMTP dialogue, read
# by tshark as "COMMAND PARAMETER -> CODE" lines (commands as the client
# wrote them, the first code of a multi-line reply, the greeting as
# "(connect)", a message as "<message of tx N> ." with N counting the MAIL
# commands), must be exactly these lines. A check of the recording (what
# Postfix really answered), not a source of the .expect.
cap_dialogue() {
  local got want
  want=$(printf '%s\n' "$@")
  got=$(tshark -r "$CAP_FILE" -d tcp.port==25,smtp -Y smtp -T fields -E separator='|' \
      -e smtp.req.command -e smtp.req.parameter -e smtp.response.code 2>/dev/null | awk -F'|' '
    $1 != "" { cmd = $1 ($2 != "" ? " " $2 : ""); if (toupper($1) == "MAIL") n++; next }
    $3 != "" { split($3, c, ","); print (cmd == "" ? "(connect)" : cmd) " -> " c[1]; cmd = ""; next }
    { cmd = "<message of tx " n "> ." }')
  if [ "$got" != "$want" ]; then
    diff <(echo "$want") <(echo "$got") >&2 || true
    die "$CAP_NAME: the capture's dialogue is not the designed one (diff: designed, captured)"
  fi
  log "$CAP_NAME: the capture holds the designed dialogue ($# replies)"
}

# ---------------------------------------------------------------- log vs. wire
s_postfix_log_mismatch_rst() {
  direct_postfix "${FW_POSTFIX[@]}"
  # A delivery that a middlebox cuts with a RST forged towards the client
  # only, so that Postfix's log tells another story than the client saw.
  # The router esafw (see fw_*) matches the client's "DATA" command
  # segment (payload exactly "DATA\r\n": IP length 20 + 32 + 6 = 58, raw
  # payload match @th,256,48 after a 32-byte TCP header, hence "tcp doff 8"),
  # drops it and sends the client a RST in the server's name (TTL 64).
  # The client (swaks from esacfw, no pipelining) saw 220, EHLO, MAIL 250,
  # RCPT 250, and then "the server" reset its DATA. Postfix never sees
  # DATA: the dropped segment also acknowledged the RCPT reply, so the
  # server retransmits its 250 ~200 ms later, the client's kernel answers
  # with a RST of its own, and smtpd logs "lost connection after RCPT" and
  # a disconnect without data=: no reset, no DATA, no message in its log.
  fw_nft "table ip esaflow_fw {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr $FWCLI ip daddr $SRV4 tcp dport 25 ip length 58 tcp doff 8 @th,256,48 0x444154410d0a reject with tcp reset
  }
}"
  cap_start postfix_log_mismatch_rst cfw
  fw_swaks --body @"$BODY" --header "Subject: esaflow log mismatch capture"
  exp $FWCLI $SRV4:25 ACCEPT RESET flags=rst_forged_suspected
  exp_note "what the client saw: 220, EHLO 250, MAIL 250, RCPT 250, DATA -> RST from 192.0.2.25 (TTL 64, forged by the router)"
  exp_note "what Postfix logged (postfix_log_mismatch_rst.maillog): lost connection after RCPT; disconnect ehlo=1 mail=1 rcpt=1 commands=3"
  cap_stop "router esafw: 220, EHLO 250, MAIL 250, RCPT 250, DATA; the router drops the DATA segment and forges a RST to the client in the server's name (TTL 64, server packets TTL 63); the server, which never saw DATA, retransmits its RCPT 250, the client answers RST; Postfix logs a lost connection after RCPT"
  cap_check "ip.src==$SRV4 && tcp.flags.reset==1 && ip.ttl==64" "the forged RST (TTL 64)"
  cap_check "smtp.req.command==\"DATA\" && ip.src==$FWCLI" "the client's DATA"
  [ "$(tshark -r "$CAP_FILE" -d tcp.port==25,smtp -Y 'smtp.response.code==354' 2>/dev/null | wc -l)" = 0 ] ||
    die "$CAP_NAME: the capture shows a 354: the server saw DATA"
  ml_check "smtpd\[[0-9]+\]: lost connection after RCPT from unknown\[$FWCLI\]" "the lost connection after RCPT"
  ml_check "disconnect from unknown\[$FWCLI\] ehlo=1 mail=1 rcpt=1 commands=3\$" "the disconnect with no DATA"
  ml_absent "data=|status=sent|reset|RST" "DATA, a delivery or a reset"
  fws nft delete table ip esaflow_fw
}

# ---------------------------------------------------------------- main
main() {
  if [ "${1:-}" = --list ]; then printf '%s\n' "${SCENARIOS[@]}"; exit 0; fi
  [ "$(id -u)" = 0 ] || die "run as root"
  local want=("$@") s
  [ ${#want[@]} -gt 0 ] || want=("${SCENARIOS[@]}")
  for s in "${want[@]}"; do declare -F "s_$s" >/dev/null || die "unknown scenario $s (see --list)"; done

  local t0=$SECONDS
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  rm -rf "$RUN"; mkdir -p "$RUN" "$OUT"; chmod 755 "$RUN"
  make_payloads
  net_setup
  # Run in the canonical order; each scenario sets up the servers it needs.
  for s in "${SCENARIOS[@]}"; do
    [[ " ${want[*]} " == *" $s "* ]] || continue
    "s_$s"
  done
  log "done in $((SECONDS - t0)) s; captures in $OUT"
}

main "$@"
