#!/usr/bin/env bash
# tls.sh - record the TLS packet captures testdata/captures/tls_*.pcap
#
# Usage (as root, on Debian 12 after testdata/record/deps-tls.sh):
#     testdata/record/tls.sh              # re-record every tls_* capture
#     testdata/record/tls.sh NAME...      # only these scenarios (with or without "tls_")
#     testdata/record/tls.sh --list       # list scenario names
#
# What it does:
#   * builds two network namespaces joined by one veth pair (names distinct
#     from record.sh's esa/esacli, so both rigs can run side by side):
#       tsrv  server side, veth "tsrv0": 192.0.2.25/24
#       tcli  client side, veth "tcli0": one 198.51.100.1xx address per
#             scenario; the route to the server carries "src CLIENT".
#     Offloads are off on both ends; no traffic ever leaves the namespaces.
#   * makes a private PKI with openssl under $RUN/pki at run time: a CA
#     ("esaflow test CA"), a server certificate for mx.example.net (RSA 2048,
#     SAN DNS:mx.example.net) and a client certificate (client.example.org).
#   * runs real TLS servers in "tsrv": a private Postfix 3.7 (OpenSSL 3.0;
#     postfix -c $RUN/postfix, /etc/postfix untouched), Exim 4.96 (GnuTLS
#     3.7; Debian's exim4-daemon-light fetched with apt-get download and
#     unpacked with dpkg -x under $RUN, run with its own config and an
#     /etc/passwd bind-mounted in a private mount namespace only, to supply
#     its compiled-in user Debian-exim), openssl s_server / gnutls-serv where
#     no MTA can produce the case, and tls/smtp_plain.py (plain text after
#     STARTTLS); and real TLS clients in "tcli": openssl s_client, gnutls-cli,
#     swaks (OpenSSL), msmtp (GnuTLS), Python smtplib (OpenSSL), bash /dev/tcp.
#   * records each scenario with tcpdump -U on tsrv0 (tcp port 25 or 465),
#     writes tls_NAME.expect from what the scenario is built to produce (not
#     from any analysis), checks the connection count and, per scenario, the
#     packets the design is about (cap_check: ServerHello version and cipher,
#     cleartext alert, STARTTLS 220 followed by plain text), and appends the
#     TLS record sequence of every capture to $RUN/records.txt (record_dump).
#   * cuts Exim's mainlog for each scenario Exim serves into NAME.maillog
#     (ex_ml_mark/ex_ml_cut; exim.conf.in: log_selector, timezone = UTC).
#   * stops every daemon it started and removes the namespaces on exit (trap).
#
# Environment: OUT (default: testdata/captures), RUN (default:
# /var/tmp/esaflow-tls, scratch dir, wiped at start), KEEP_RUN=1 keeps $RUN
# (logs, records.txt, PKI, keylog.txt) after the run. The clients that can
# (gnutls-cli, msmtp: SSLKEYLOGFILE; s_client: -keylogfile; Python:
# keylog_filename; not swaks) log their TLS secrets to $RUN/keylog.txt, and
# record_dump adds a decrypted view of each capture to records.txt, so the
# content of every encrypted record (alert, Finished, NewSessionTicket,
# SMTP reply) can be checked. The captures themselves are unaffected.
#
# Captures kept with their key logs (group E, tls_kl_*; `tls.sh kl_...`
# re-records only those): each tls_kl_NAME.pcap has beside it
#   tls_kl_NAME.keys              NSS key log lines of that capture's sessions
#                                 only (picked by the ClientHello randoms),
#                                 as the side that logged them wrote them
#   tls_kl_NAME.expect            what esaflow says WITHOUT the keys (TLS)
#   tls_kl_NAME.decrypted.expect  what the decrypted session shows, with the
#                                 SMTP dialogue tshark decrypts as comments
#                                 (tls/kl_dialogue.py, which also judges the
#                                 verdict and outcome; they must be the
#                                 designed ones)
# Keys are logged by clients (msmtp/GnuTLS SSLKEYLOGFILE, s_client
# -keylogfile, tls/kl_smtp.py = Python smtplib keylog_filename, OpenSSL) or
# by the server (Exim/GnuTLS, see exim_start); TLS 1.2 and 1.3, AES-GCM,
# ChaCha20-Poly1305, CBC with and without encrypt_then_mac; a delivery,
# recipient and sender refusals, a client and a server reset, a KeyUpdate,
# a key log of another session (tls_kl_13_wrongkeys_*), two pcapng
# with the key log embedded (*_dsb.pcapng, editcap --inject-secrets, no
# .keys file), and implicit TLS on 465 (tls_kl_465_*, Python SMTP_SSL): a
# delivery, and a 554 greeting inside TLS (REJECT once decrypted). What
# each shows: tls/README.md.
#
# Notes from recording (Debian 12: OpenSSL 3.0, GnuTLS 3.7.9, Postfix
# 3.7.11, Exim 4.96):
#   * TLS 1.3 certificate failures: a GnuTLS client (gnutls-cli) sends its
#     alert (bad_certificate, also for an untrusted CA) ENCRYPTED, a 19-byte
#     application_data record right after its ChangeCipherSpec; an OpenSSL
#     client (s_client, Python) sends it IN CLEAR (a 2-byte alert record:
#     bad_certificate / unknown_ca), since OpenSSL switches its write side to
#     the handshake keys only when it sends its own Finished. msmtp checks
#     the certificate only after the handshake: it sends its Finished and
#     closes, with no alert at all.
#   * Client certificate required: GnuTLS (Exim tls_verify_hosts,
#     gnutls-serv) and OpenSSL (s_server -Verify) servers answer the empty
#     client Certificate + Finished with an encrypted 19-byte alert
#     (certificate_required, 116). Postfix smtpd_tls_req_ccert does not fail
#     the handshake: it completes it and answers the encrypted EHLO with an
#     encrypted 421, so on the wire that session is an established TLS
#     session (tls_13_nocert_postfix_msmtp expects outcome TLS).
#   * GnuTLS with only TLS 1.3 enabled answers a TLS 1.2-only ClientHello
#     with handshake_failure (40), OpenSSL with protocol_version (70).
#   * openssl s_server closes a connection at once when its stdin is at EOF,
#     hence -rev; s_client and gnutls-cli get a stdin that stays open 3 s, or
#     they would send close_notify right after their Finished.
#   * Key logs: OpenSSL 3.0 logs a TLS 1.3 KeyUpdate's new secrets as
#     CLIENT_TRAFFIC_SECRET_N / SERVER_TRAFFIC_SECRET_N (a literal "N");
#     Exim (GnuTLS) writes a server-side key log only if SSLKEYLOGFILE is
#     in keep_environment AND under spool_directory (else it drops it).
#     Python smtplib sends its commands in lower case ("mail FROM:").
#   * Exim from exim4-daemon-light looks its compiled-in user Debian-exim up
#     by name; exim_run bind-mounts a passwd/group copy that has it (or the
#     host's own entry, if an exim4 package made one) in a private mount
#     namespace, so the host's /etc is never changed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$(dirname "$HERE")/captures}
RUN=${RUN:-/var/tmp/esaflow-tls}
TLSDIR=$HERE/tls
CONF=$RUN/postfix
PKI=$RUN/pki
SNS=tsrv
CNS=tcli
SDEV=tsrv0
CDEV=tcli0
SRV4=192.0.2.25
FILTER="tcp port 25 or tcp port 465"
PY=/usr/bin/python3 # Debian's python3: its ssl module is the system OpenSSL 3.0
KEYLOG=$RUN/keylog.txt # TLS secrets logged by the clients that can (not swaks), for record_dump

SCENARIOS=(
  # B. TLS 1.3 handshakes that fail after the ServerHello (encrypted alerts)
  tls_13_badname_postfix_gnutlscli tls_13_badname_exim_opensslcli tls_13_badname_postfix_msmtp
  tls_13_nocert_postfix_msmtp tls_13_nocert_exim_swaks tls_13_nocert_gnutlsserv_opensslcli
  tls_13_nocert_opensslserv_gnutlscli
  tls_13_untrusted_postfix_gnutlscli tls_13_untrusted_exim_opensslcli tls_13_untrusted_exim_python
  tls_465_badname_postfix_msmtp
  # B'. TLS 1.2 certificate failures: ServerHello, then the client's alert in clear
  tls_12_untrusted_postfix_gnutlscli tls_12_badname_exim_opensslcli
  # A. successes
  tls_13_ok_postfix_msmtp tls_12_ok_postfix_msmtp tls_13_ok_exim_swaks tls_12_ok_exim_python
  tls_13_ok_exim_msmtp tls_465_ok_postfix_msmtp tls_465_ok_exim_swaks
  # D. plain text after STARTTLS
  tls_plain_after_starttls tls_plain_after_starttls_proxy
  # C. TLS 1.2 failures with cleartext alerts
  tls_12_cipher_mismatch_postfix_gnutlscli tls_12_cipher_mismatch_exim_opensslcli
  tls_version_mismatch_exim_opensslcli tls_version_mismatch_postfix_gnutlscli
  # E. kept with their TLS key logs (.keys) and a decrypted expectation
  tls_kl_13_gcm_exim_swaks tls_kl_13_chacha_postfix_opensslcli tls_kl_13_chacha_exim_msmtp
  tls_kl_12_gcm_postfix_msmtp tls_kl_12_chacha_postfix_python tls_kl_12_chacha_exim_swaks
  tls_kl_12_cbc_postfix_python tls_kl_12_cbcnoetm_exim_msmtp
  tls_kl_13_rcptrej_postfix_python tls_kl_12_senderrej_postfix_python
  tls_kl_13_reset_postfix_python tls_kl_12_srvreset_exim_python
  tls_kl_13_wrongkeys_exim_msmtp tls_kl_13_keyupdate_postfix_opensslcli
  tls_kl_12_gcm_postfix_msmtp_dsb tls_kl_13_gcm_exim_swaks_dsb
  tls_kl_465_ok_postfix_python tls_kl_465_reject_postfix_python
)

log() { printf '[tls %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
sns() { ip netns exec "$SNS" "$@"; }
cns() { ip netns exec "$CNS" "$@"; }

# ---------------------------------------------------------------- teardown
CAP_PID=
cleanup() {
  set +e
  [ -n "$CAP_PID" ] && cap_kill && wait "$CAP_PID" 2>/dev/null
  postfix_stop
  exim_stop
  daemon_stop
  ip netns del "$CNS" 2>/dev/null
  ip netns del "$SNS" 2>/dev/null
  if [ "${KEEP_RUN:-0}" != 1 ]; then rm -rf "$RUN"; fi
}

# ---------------------------------------------------------------- network
link_up() {
  local ns=$1 dev=$2
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off tso off gro off >/dev/null 2>&1 ||
    ip netns exec "$ns" ethtool -K "$dev" tx off rx off gso off gro off >/dev/null
  ip -n "$ns" link set "$dev" up
}

net_setup() {
  local ns
  for ns in "$CNS" "$SNS"; do ip netns del "$ns" 2>/dev/null || true; done
  for ns in "$SNS" "$CNS"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  ip link add "$SDEV" netns "$SNS" type veth peer name "$CDEV" netns "$CNS"
  link_up "$SNS" "$SDEV"
  link_up "$CNS" "$CDEV"
  ip -n "$SNS" addr add "$SRV4/24" dev "$SDEV"
  ip -n "$SNS" route add 198.51.100.0/24 dev "$SDEV"
  local i
  for i in $(seq 100 159); do ip -n "$CNS" addr add "198.51.100.$i/32" dev "$CDEV"; done
  ip -n "$CNS" route add 192.0.2.0/24 dev "$CDEV" src 198.51.100.100
  sleep 1
}

# Make CLIENT the source address for the next client connections.
client_ip() { ip -n "$CNS" route replace "$SRV4/32" dev "$CDEV" src "$1"; }

# ---------------------------------------------------------------- PKI
make_pki() {
  mkdir -p "$PKI"
  (
    cd "$PKI"
    local q=(-days 3650)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "${q[@]}" \
      -subj "/O=esaflow/CN=esaflow test CA" -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=mx.example.net" -keyout server.key -out server.csr
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:mx.example.net\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "${q[@]}" -extfile server.ext -out server.pem
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=client.example.org" \
      -keyout client.key -out client.csr
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:client.example.org\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "${q[@]}" -extfile client.ext -out client.pem
    chmod 644 ./*.pem ./*.key # scratch keys; Exim reads them after dropping to its own user
  ) >>"$RUN/pki.log" 2>&1 || { cat "$RUN/pki.log" >&2; die "PKI generation failed"; }
}

# ---------------------------------------------------------------- Postfix
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
  exim_stop; daemon_stop; postfix_stop
  mkdir -p "$CONF" "$RUN/pf-spool" "$RUN/pf-data"
  sed -e "s|@RUN@|$RUN|g" -e "s|@CONF@|$CONF|g" "$TLSDIR/main.cf.in" >"$CONF/main.cf"
  cat "$TLSDIR/master.cf.common" "$TLSDIR/master.cf.$mode" >"$CONF/master.cf"
  if [ $# -gt 0 ]; then postconf -c "$CONF" -e "$@"; fi
  chown root:root "$RUN/pf-spool"
  chown postfix:postfix "$RUN/pf-data"
  sns postfix -c "$CONF" start >>"$RUN/postfix.log" 2>&1 || { cat "$RUN/postfix.log" >&2; die "postfix start failed"; }
  if [ "$mode" = behind ]; then wait_listen 10025; else wait_listen 25; wait_listen 465; fi
  PF_STATE="$mode $*"
}

# ---------------------------------------------------------------- Exim
EXIM_ROOT=$RUN/exim-pkg
EXIM=$EXIM_ROOT/usr/sbin/exim4
EX_STATE=
# Debian's exim4-daemon-light (links GnuTLS), not installed: downloaded and
# unpacked under $RUN. Its binary looks up the compiled-in user Debian-exim
# by name; exim_run supplies it in a private mount namespace (below).
exim_unpack() {
  [ -x "$EXIM" ] && return 0
  mkdir -p "$RUN/exim-deb" "$EXIM_ROOT"
  (cd "$RUN/exim-deb" && apt-get download exim4-daemon-light) >>"$RUN/exim.log" 2>&1 ||
    die "apt-get download exim4-daemon-light failed (see $RUN/exim.log)"
  dpkg -x "$RUN"/exim-deb/exim4-daemon-light_*.deb "$EXIM_ROOT"
  [ -x "$EXIM" ] || die "no $EXIM in the package"
  # A passwd/group with the Debian-exim user added, bind-mounted over
  # /etc/passwd and /etc/group only inside exim_run's mount namespace.
  cp /etc/passwd "$RUN/exim-passwd"; cp /etc/group "$RUN/exim-group"
  grep -q '^Debian-exim:' "$RUN/exim-passwd" ||
    echo 'Debian-exim:x:64999:64999:esaflow rig exim:/nonexistent:/usr/sbin/nologin' >>"$RUN/exim-passwd"
  grep -q '^Debian-exim:' "$RUN/exim-group" || echo 'Debian-exim:x:64999:' >>"$RUN/exim-group"
  chmod 644 "$RUN/exim-passwd" "$RUN/exim-group"
}
EXIM_ENV=() # NAME=VALUE pairs for the daemon's environment (exim_start)
exim_run() {
  sns env "${EXIM_ENV[@]}" unshare -m sh -c 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
    exim_run "$RUN/exim-passwd" "$RUN/exim-group" "$EXIM" "$@"
}
exim_stop() {
  EX_STATE=
  local f=$RUN/exim/exim.pid p
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  kill "$p" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  rm -f "$f"
}
# exim_start [TLS_PRIO [VERIFY_HOSTS [KEYLOG]]]: GnuTLS priority string for
# tls_require_ciphers (default NORMAL), hosts that must present a client
# certificate (tls_verify_hosts; default none), and a file where the
# daemon's GnuTLS logs the TLS secrets of every session. Three conditions,
# all checked in Exim 4.96's source and on the rig: SSLKEYLOGFILE must be in
# the daemon's environment and let through by keep_environment (exim.conf.in;
# an empty keep_environment clears the whole environment at start); its
# path must lie under spool_directory, or Exim removes it (tls_clean_env);
# and the file must be writable by Debian-exim, the user a receiving process
# runs as when GnuTLS opens it, at the first handshake.
exim_start() {
  local prio=${1:-NORMAL} vh=${2:-} kl=${3:-}
  [ "$EX_STATE" = "$prio|$vh|$kl" ] && return 0
  postfix_stop; daemon_stop; exim_stop
  exim_unpack
  mkdir -p "$RUN/exim/spool" "$RUN/exim/log"
  # its user as the passwd file exim_run provides defines it
  local ug
  ug=$(awk -F: '$1=="Debian-exim"{print $3":"$4}' "$RUN/exim-passwd")
  chown -R "$ug" "$RUN/exim/spool" "$RUN/exim/log"
  sed -e "s|@RUN@|$RUN|g" -e "s|@EXIM@|$EXIM|g" "$TLSDIR/exim.conf.in" >"$RUN/exim/exim.conf"
  chmod 644 "$RUN/exim/exim.conf"
  local args=(-C "$RUN/exim/exim.conf" "-DTLS_PRIO=$prio")
  [ -n "$vh" ] && args+=("-DVERIFY_HOSTS=$vh")
  EXIM_ENV=()
  if [ -n "$kl" ]; then
    mkdir -p "$(dirname "$kl")"; touch "$kl"; chown "$ug" "$kl"; chmod 644 "$kl"
    EXIM_ENV=("SSLKEYLOGFILE=$kl")
  fi
  exim_run "${args[@]}" -bd >>"$RUN/exim.log" 2>&1 || { cat "$RUN/exim.log" >&2; die "exim start failed"; }
  wait_listen 25; wait_listen 465
  EX_STATE="$prio|$vh|$kl"
}

# ---------------------------------------------------------------- other daemons
# daemon_start NAME PORT CMD...: a foreground server in tsrv (openssl
# s_server, gnutls-serv, smtp_plain.py), stopped by daemon_stop.
DAEMON_PID=
daemon_start() {
  local name=$1 port=$2; shift 2
  postfix_stop; exim_stop; daemon_stop
  sns "$@" </dev/null >>"$RUN/$name.log" 2>&1 &
  DAEMON_PID=$!
  wait_listen "$port"
}
daemon_stop() {
  [ -n "$DAEMON_PID" ] || return 0
  pkill -TERM -P "$DAEMON_PID" 2>/dev/null || true
  kill -TERM "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
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
CAP_NAME= CAP_FILE=
EXP=()
cap_start() {
  CAP_NAME=$1
  EXP=()
  CAP_FILE=$OUT/$CAP_NAME.pcap
  rm -f "$CAP_FILE" "$OUT/$CAP_NAME.expect" "$OUT/$CAP_NAME.maillog"
  local err=$RUN/cap-$CAP_NAME.log
  sns tcpdump -Z root -U -i "$SDEV" -w "$CAP_FILE" $FILTER 2>"$err" &
  CAP_PID=$!
  for _ in $(seq 50); do
    grep -q 'listening on' "$err" 2>/dev/null && break
    kill -0 "$CAP_PID" 2>/dev/null || { cat "$err" >&2; die "capture for $CAP_NAME died"; }
    sleep 0.1
  done
  sleep 0.5
  ex_ml_mark
  log "recording $CAP_NAME"
}
cap_kill() {
  pkill -TERM -P "$CAP_PID" 2>/dev/null || true
  kill -TERM "$CAP_PID" 2>/dev/null || true
}

# exp CLIENT SERVER:PORT VERDICT [OUTCOME] [KEY=VALUE ...], in the order
# connections start (see record.sh).
exp() { EXP+=("conn $*"); }

cap_stop() {
  local desc=$1
  cap_halt
  write_expect "$desc"
  record_dump
}
# cap_halt: end the capture of the scenario (after teardown has reached it)
cap_halt() {
  sleep 2 # let teardown (FIN/ACK, late RST) reach the capture
  cap_kill
  wait "$CAP_PID" || true
  CAP_PID=
  [ -s "$CAP_FILE" ] || die "$CAP_NAME: empty capture"
  ex_ml_cut
}

# ---------------------------------------------------------------- Exim's log
# Exim's mainlog for each scenario Exim serves, as record.sh's ml_mark/ml_cut
# do with Postfix's log: ex_ml_mark (in cap_start, once the capture runs, if
# the Exim daemon is up) notes how long $EXIM_MAINLOG is; ex_ml_cut (in
# cap_halt, after the capture stopped) waits until the log has not grown for
# 2 s (at most 30 s) and copies what was appended since the mark into
# $OUT/$CAP_NAME.maillog, lines as Exim wrote them (exim.conf.in: log_selector,
# timezone = UTC), an empty file if nothing was. Scenarios without Exim get
# no .maillog from tls.sh.
EXIM_MAINLOG=$RUN/exim/log/mainlog
EX_ML_OFF= # empty: Exim was not running at cap_start
ex_ml_size() { stat -c %s "$EXIM_MAINLOG" 2>/dev/null || echo 0; }
ex_ml_mark() { if [ -n "$EX_STATE" ]; then EX_ML_OFF=$(ex_ml_size); else EX_ML_OFF=; fi; }
ex_ml_cut() {
  [ -n "$EX_ML_OFF" ] || return 0
  local prev=-1 cur same=0
  for _ in $(seq 60); do
    cur=$(ex_ml_size)
    if [ "$cur" = "$prev" ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 4 ] && break
    prev=$cur
    sleep 0.5
  done
  [ "$same" -ge 4 ] || log "WARNING: $CAP_NAME: Exim's mainlog still growing after 30 s"
  local ml=$OUT/$CAP_NAME.maillog
  if [ -f "$EXIM_MAINLOG" ]; then
    tail -c +$((EX_ML_OFF + 1)) "$EXIM_MAINLOG" >"$ml"
  else
    : >"$ml"
  fi
  EX_ML_OFF=
  log "wrote $ml ($(wc -l <"$ml") Exim mainlog lines)"
}

# write_expect DESC: as record.sh's: $OUT/$CAP_NAME.expect from EXP, and the
# capture must hold as many connections as it lists.
write_expect() {
  local desc=$1
  local e=$OUT/$CAP_NAME.expect
  {
    echo "# $CAP_NAME: $desc"
    echo "# Written by testdata/record/tls.sh from the scenario design, not by esaflow."
    echo "# conn CLIENT_ADDR SERVER_ADDR:SERVER_PORT VERDICT [OUTCOME] [KEY=VALUE ...]"
    printf '%s\n' "${EXP[@]}"
    echo "# host CLIENT_ADDR VERDICT"
    printf '%s\n' "${EXP[@]}" | host_lines
  } >"$e"
  local got want
  got=$(tshark -r "$CAP_FILE" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
  want=${#EXP[@]}
  [ "$got" = "$want" ] || die "$CAP_NAME: capture has $got connections, .expect lists $want"
  log "wrote $CAP_FILE ($(stat -c %s "$CAP_FILE") bytes, $got conns)"
}

# host_lines: the "host CLIENT VERDICT" lines of the "conn ..." lines on stdin
host_lines() {
  awk '
      { c=$2; v=$4; if (!(c in seen)) { seen[c]=v; order[++n]=c } else if (seen[c]!=v) seen[c]="MIXED" }
      END { for (i=1;i<=n;i++) print "host", order[i], seen[order[i]] }'
}

TSHARK_D=(-d tcp.port==25,smtp -d tcp.port==465,tls)
# cap_check DISPLAY_FILTER WHAT: the capture must hold a packet matching it.
cap_check() {
  local n
  n=$(tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -Y "$1" 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || die "$CAP_NAME: no packet in the capture shows $2 ($1)"
  log "$CAP_NAME: $n packet(s) show $2"
}
# cap_check_none DISPLAY_FILTER WHAT: ... and none matching this one.
cap_check_none() {
  local n
  n=$(tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -Y "$1" 2>/dev/null | wc -l)
  [ "$n" -eq 0 ] || die "$CAP_NAME: $n packet(s) show $2 ($1), the design has none"
  log "$CAP_NAME: no packet shows $2"
}

# record_dump: every TCP segment with payload or FIN/RST, with the TLS
# records it carries (content type, length, handshake type, alert), appended
# to $RUN/records.txt -- the record-level view of each capture.
record_dump() {
  {
    echo "=== $CAP_NAME"
    tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -Y 'tcp.len>0 || tcp.flags.fin==1 || tcp.flags.reset==1' \
      -T fields -E separator=' ' -e frame.number -e frame.time_relative -e ip.src -e tcp.srcport -e tcp.flags.str -e tcp.len \
      -e tls.record.content_type -e tls.record.opaque_type -e tls.record.length -e tls.handshake.type -e tls.alert_message.desc -e smtp.req.command -e smtp.response.code \
      2>/dev/null
    # the same decrypted with the secrets the client logged (if it could):
    # inner content types, handshake messages, alerts, SMTP inside TLS
    if [ -s "$KEYLOG" ]; then
      echo "--- decrypted with the client's key log"
      tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -o "tls.keylog_file:$KEYLOG" -Y 'tcp.len>0 || tcp.flags.fin==1 || tcp.flags.reset==1' \
        -T fields -E separator=' ' -e frame.number -e ip.src -e tcp.flags.str -e tcp.len \
        -e tls.record.content_type -e tls.record.length -e tls.handshake.type -e tls.alert_message.desc -e smtp.req.command -e smtp.response.code \
        2>/dev/null
    fi
  } >>"$RUN/records.txt"
}

# ---------------------------------------------------------------- clients
BODY=$RUN/body.txt
make_payloads() {
  {
    echo "This test message is about 1 KB so that DATA is small but real."
    local i
    for i in $(seq 1 12); do printf 'line %02d: the quick brown fox jumps over the lazy dog 0123456789\n' "$i"; done
  } >"$BODY"
  {
    printf 'From: Sender <sender@example.org>\r\n'
    printf 'To: Rcpt <rcpt@example.net>\r\n'
    printf 'Subject: esaflow TLS capture\r\n'
    printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n'
    printf 'Message-ID: <tls-1@client.example.org>\r\n\r\n'
    sed 's/$/\r/' "$BODY"
  } >"$RUN/msg.eml"
}

clog() { echo "=== $CAP_NAME: $*" >>"$RUN/clients.log"; }

# swaks_tls PORT [swaks args...]: swaks (Perl, Net::SSLeay = OpenSSL)
swaks_tls() {
  local port=$1; shift
  clog "swaks $port $*"
  cns swaks --server "$SRV4" --port "$port" --helo client.example.org --timeout 10 \
    --from sender@example.org --to rcpt@example.net "$@" >>"$RUN/clients.log" 2>&1 || true
}

# msmtp_send PORT [msmtp args...]: msmtp (GnuTLS) sends $RUN/msg.eml; its
# secrets go to $KEYLOG, or to $MSMTP_KEYLOG if set (MSMTP_KEYLOG=F msmtp_send ...)
msmtp_send() {
  local port=$1; shift
  clog "msmtp $port $*"
  cns env SSLKEYLOGFILE="${MSMTP_KEYLOG:-$KEYLOG}" msmtp --host="$SRV4" --port="$port" --domain=client.example.org --auth=off \
    --from=sender@example.org --tls=on --tls-trust-file="$PKI/ca.pem" --tls-host-override=mx.example.net \
    --logfile=- --timeout=10 "$@" rcpt@example.net <"$RUN/msg.eml" >>"$RUN/clients.log" 2>&1 || true
}

# gnutls_starttls [gnutls-cli args...]: gnutls-cli --starttls-proto=smtp on
# port 25. Its stdin stays open 3 s and sends nothing (with stdin at EOF at
# once, the clients would send close_notify right after their Finished).
gnutls_starttls() {
  clog "gnutls-cli $*"
  sleep 3 | cns env SSLKEYLOGFILE="$KEYLOG" timeout 15 gnutls-cli --starttls-proto=smtp --port 25 "$@" "$SRV4" >>"$RUN/clients.log" 2>&1 || true
}

# openssl_starttls [s_client args...]: openssl s_client -starttls smtp on port 25 (stdin as above)
openssl_starttls() {
  clog "openssl s_client $*"
  sleep 3 | cns timeout 15 openssl s_client -starttls smtp -name client.example.org -connect "$SRV4:25" -keylogfile "$KEYLOG" "$@" \
    >>"$RUN/clients.log" 2>&1 || true
}

# python_smtp MODE [maxver]: Python smtplib (system OpenSSL), STARTTLS on
# port 25, sends $RUN/msg.eml; MODE trust = CA of the rig, system = default store
python_smtp() {
  clog "python smtplib $*"
  cns timeout 20 "$PY" - "$SRV4" "$PKI/ca.pem" "$RUN/msg.eml" "$KEYLOG" "$@" >>"$RUN/clients.log" 2>&1 <<'PYEOF' || true
import smtplib, ssl, sys
srv, ca, msg, keylog, mode = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca if mode == "trust" else None)
ctx.keylog_filename = keylog
if len(sys.argv) > 6 and sys.argv[6] == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
s = smtplib.SMTP(srv, 25, local_hostname="client.example.org", timeout=10)
s._host = "mx.example.net"  # the name to verify (we connect by address)
try:
    s.starttls(context=ctx)
    s.sendmail("sender@example.org", ["rcpt@example.net"], open(msg, "rb").read())
    s.quit()
    print("python: delivered")
except Exception as e:
    print("python:", type(e).__name__, e)
PYEOF
}

# smtp_lines SERVER PORT CMDFILE: lock-step plain SMTP client in bash (/dev/tcp),
# as record.sh's: read the greeting, then send each line of CMDFILE and wait
# for its whole reply; a line "<DATA>" sends $RUN/msg.eml and "." in one go.
smtp_lines() {
  local srv=$1 port=$2 cmds=$3
  clog "smtp_lines $cmds"
  cns bash -c '
    reply() {
      local l
      while IFS= read -r -t 10 l <&3; do
        printf "S: %s\n" "${l%$'"'"'\r'"'"'}"
        [[ $l =~ ^[0-9]{3}\  ]] && return 0
      done
      echo "-- no (more) reply"; return 1
    }
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    reply || exit 1
    while IFS= read -r cmd; do
      if [ "$cmd" = "<DATA>" ]; then
        { cat "$4"; printf ".\r\n"; } >&3; echo "C: <message> ."
      else
        printf "C: %s\n" "$cmd"; printf "%s\r\n" "$cmd" >&3
      fi
      reply || exit 1
    done <"$3"
    exec 3<&-' smtp_lines "$srv" "$port" "$cmds" "$RUN/msg.eml" >>"$RUN/clients.log" 2>&1 || true
}

# ---------------------------------------------------------------- checks shared by scenarios
# check_sh13 CIPHER_HEX: a TLS 1.3 ServerHello (supported_versions 0x0304) choosing it
check_sh13() {
  cap_check "tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304 && tls.handshake.ciphersuite==$1" \
    "a TLS 1.3 ServerHello choosing $1"
  cap_check_none "tls.handshake.type==2 && !tls.handshake.extensions.supported_version" "a TLS 1.2 ServerHello"
}
check_sh12() {
  cap_check "tls.handshake.type==2 && tls.handshake.version==0x0303 && !tls.handshake.extensions.supported_version && tls.handshake.ciphersuite==$1" \
    "a TLS 1.2 ServerHello choosing $1"
}
# check_no_clear_alert: no alert in clear (TLS 1.3 alerts after the
# ServerHello are encrypted application_data records)
# (an encrypted alert, e.g. TLS 1.2's close_notify after the handshake, is a
# content type 21 record too, but tshark decodes no description from it)
check_no_clear_alert() { cap_check_none "tls.alert_message.desc" "a cleartext alert"; }
# check_clear_alert DESC FROM_ADDR: a cleartext alert DESC sent by FROM_ADDR.
# (OpenSSL 3.0 clients send the alert of a failed certificate check in
# TLS 1.3 in clear: they switch to the handshake keys for writing only when
# they send their own Finished, after the server's Finished is processed.)
check_clear_alert() { cap_check "tls.alert_message.desc==$1 && ip.src==$2" "a cleartext alert $1 from $2"; }

# ================================================================ scenarios
TLS13_ONLY=("smtpd_tls_protocols=>=TLSv1.3" "smtpd_tls_mandatory_protocols=>=TLSv1.3")
TLS12_ONLY=("smtpd_tls_protocols=>=TLSv1.2, <=TLSv1.2" "smtpd_tls_mandatory_protocols=>=TLSv1.2, <=TLSv1.2")
GT_TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3"
GT_TLS12="NORMAL:-VERS-ALL:+VERS-TLS1.2"

# ---------------------------------------------------------------- B. TLS 1.3 failures
s_tls_13_badname_postfix_gnutlscli() {
  postfix_start direct
  # gnutls-cli trusts the rig's CA but verifies the name wrong.example: the
  # certificate (mx.example.net) does not match, the client aborts the
  # handshake after the server's encrypted flight with an (encrypted) alert.
  local c=198.51.100.100; client_ip $c
  cap_start tls_13_badname_postfix_gnutlscli
  gnutls_starttls --x509cafile "$PKI/ca.pem" --verify-hostname wrong.example
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Postfix (OpenSSL) x gnutls-cli (GnuTLS) verifying host name wrong.example: 220, EHLO, STARTTLS 220, TLS 1.3 handshake, client aborts (encrypted alert) after the server's flight"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_badname_exim_opensslcli() {
  exim_start
  # openssl s_client trusts the rig's CA, verifies the name wrong.example and
  # stops on a verification error: it aborts the handshake after Exim's
  # (GnuTLS) encrypted flight with an encrypted alert.
  local c=198.51.100.101; client_ip $c
  cap_start tls_13_badname_exim_opensslcli
  openssl_starttls -CAfile "$PKI/ca.pem" -verify_return_error -verify_hostname wrong.example
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384 tls_alert=bad_certificate
  cap_stop "Exim (GnuTLS) x openssl s_client -verify_return_error -verify_hostname wrong.example: 220, EHLO, STARTTLS 220, TLS 1.3 ServerHello + encrypted flight, client alert bad_certificate IN CLEAR (OpenSSL), server's encrypted alert, FIN both ways"
  check_sh13 0x1302
  check_clear_alert 42 198.51.100.101
}

s_tls_13_badname_postfix_msmtp() {
  postfix_start direct
  # msmtp (GnuTLS) trusts the rig's CA but checks the name wrong.example.
  local c=198.51.100.102; client_ip $c
  cap_start tls_13_badname_postfix_msmtp
  msmtp_send 25 --tls-starttls=on --tls-host-override=wrong.example
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Postfix (OpenSSL) x msmtp (GnuTLS) checking host name wrong.example: 220, EHLO, STARTTLS 220, TLS 1.3 handshake completed on the wire (msmtp checks the name after it), client Finished + FIN with no alert and no data, server's session ticket answered by RST"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_nocert_postfix_msmtp() {
  postfix_start direct smtpd_tls_security_level=encrypt smtpd_tls_req_ccert=yes
  # Postfix requires a client certificate (smtpd_tls_req_ccert); msmtp
  # (GnuTLS, trusting the rig's CA) has none. Postfix (OpenSSL) does not fail
  # the handshake: it completes it, sees no certificate ("abort: TLS from
  # ...: No client certificate presented") and closes without answering the
  # client's encrypted EHLO but with an encrypted "421 4.7.1 ... No client
  # certificate presented", close_notify and FIN. On the wire that is a TLS
  # session that was established (client Finished, then application data
  # both ways); the refusal is inside it, unreadable: outcome TLS.
  local c=198.51.100.103; client_ip $c
  cap_start tls_13_nocert_postfix_msmtp
  msmtp_send 25 --tls-starttls=on
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Postfix (OpenSSL) smtpd_tls_req_ccert=yes x msmtp (GnuTLS) without a client certificate: 220, EHLO, STARTTLS 220, TLS 1.3 handshake with CertificateRequest and an empty client Certificate COMPLETES; client's encrypted EHLO; server's session ticket, encrypted 421 (unreadable), close_notify + FIN"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_nocert_opensslserv_gnutlscli() {
  # openssl s_server on port 465 (implicit TLS; it speaks no SMTP, but the
  # handshake comes first) requires a client certificate (-Verify);
  # gnutls-cli has none: OpenSSL fails the handshake on the empty client
  # Certificate.
  # (-rev: echo mode, which never reads stdin; in the default mode s_server
  # would close the connection at once on its stdin's EOF)
  daemon_start s_server 465 openssl s_server -accept 465 -rev -Verify 1 -CAfile "$PKI/ca.pem" \
    -cert "$PKI/server.pem" -key "$PKI/server.key"
  local c=198.51.100.109; client_ip $c
  cap_start tls_13_nocert_opensslserv_gnutlscli
  clog "gnutls-cli 465"
  sleep 3 | cns env SSLKEYLOGFILE="$KEYLOG" timeout 15 gnutls-cli --port 465 --x509cafile "$PKI/ca.pem" --verify-hostname mx.example.net $SRV4 \
    >>"$RUN/clients.log" 2>&1 || true
  exp $c $SRV4:465 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "port 465: openssl s_server -Verify 1 x gnutls-cli without a client certificate: TLS 1.3 handshake with CertificateRequest, empty client Certificate + Finished, server's encrypted alert and close"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_nocert_exim_swaks() {
  exim_start NORMAL '*'
  # Exim (GnuTLS) requires a client certificate of every host
  # (tls_verify_hosts = *); swaks (OpenSSL) has none.
  local c=198.51.100.104; client_ip $c
  cap_start tls_13_nocert_exim_swaks
  swaks_tls 25 --tls --body @"$BODY"
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Exim (GnuTLS) tls_verify_hosts=* x swaks (OpenSSL) without a client certificate: 220, EHLO, STARTTLS 220, TLS 1.3 handshake with CertificateRequest, empty client Certificate, server aborts"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_nocert_gnutlsserv_opensslcli() {
  # gnutls-serv on port 465 (implicit TLS: it speaks no SMTP, but the
  # handshake comes first) requires a client certificate; openssl s_client
  # has none.
  daemon_start gnutls-serv 465 gnutls-serv --port 465 --require-client-cert --x509cafile "$PKI/ca.pem" \
    --x509certfile "$PKI/server.pem" --x509keyfile "$PKI/server.key"
  local c=198.51.100.105; client_ip $c
  cap_start tls_13_nocert_gnutlsserv_opensslcli
  clog "openssl s_client 465"
  sleep 3 | cns timeout 15 openssl s_client -connect $SRV4:465 -keylogfile "$KEYLOG" -CAfile "$PKI/ca.pem" -verify_hostname mx.example.net \
    >>"$RUN/clients.log" 2>&1 || true
  exp $c $SRV4:465 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "port 465: gnutls-serv --require-client-cert x openssl s_client without a client certificate: TLS 1.3 handshake with CertificateRequest, empty client Certificate, server aborts"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_untrusted_postfix_gnutlscli() {
  postfix_start direct
  # gnutls-cli with the system trust store only (not the rig's CA), right name.
  local c=198.51.100.106; client_ip $c
  cap_start tls_13_untrusted_postfix_gnutlscli
  gnutls_starttls --verify-hostname mx.example.net
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Postfix (OpenSSL) x gnutls-cli not trusting the CA: 220, EHLO, STARTTLS 220, TLS 1.3 handshake, client aborts (encrypted alert) after the server's flight"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_13_untrusted_exim_opensslcli() {
  exim_start
  # openssl s_client with the default (system) store, -verify_return_error.
  local c=198.51.100.107; client_ip $c
  cap_start tls_13_untrusted_exim_opensslcli
  openssl_starttls -verify_return_error -verify_hostname mx.example.net
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384 tls_alert=unknown_ca
  cap_stop "Exim (GnuTLS) x openssl s_client -verify_return_error not trusting the CA: 220, EHLO, STARTTLS 220, TLS 1.3 ServerHello + encrypted flight, client alert unknown_ca IN CLEAR (OpenSSL), server's encrypted alert, FIN both ways"
  check_sh13 0x1302
  check_clear_alert 48 198.51.100.107
}

s_tls_13_untrusted_exim_python() {
  exim_start
  # Python smtplib (OpenSSL) with ssl.create_default_context(): the system
  # store, which does not hold the rig's CA.
  local c=198.51.100.108; client_ip $c
  cap_start tls_13_untrusted_exim_python
  python_smtp system
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384 tls_alert=unknown_ca
  cap_stop "Exim (GnuTLS) x Python smtplib (OpenSSL) not trusting the CA: 220, EHLO, STARTTLS 220, TLS 1.3 ServerHello + encrypted flight, client alert unknown_ca IN CLEAR (OpenSSL), client RST"
  check_sh13 0x1302
  check_clear_alert 48 198.51.100.108
}

s_tls_465_badname_postfix_msmtp() {
  postfix_start direct
  # As tls_13_badname_postfix_msmtp on port 465 (implicit TLS): msmtp
  # completes the handshake, finds the name wrong.example does not match,
  # and closes; here the server speaks first after the handshake (its
  # session ticket and the 220 greeting, both encrypted), the client never
  # sends application data.
  local c=198.51.100.117; client_ip $c
  cap_start tls_465_badname_postfix_msmtp
  msmtp_send 465 --tls-starttls=off --tls-host-override=wrong.example
  exp $c $SRV4:465 ACCEPT TLS_FAILED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "port 465, Postfix smtpd_tls_wrappermode=yes (OpenSSL) x msmtp (GnuTLS) checking host name wrong.example: TLS 1.3 handshake completed on the wire, client Finished then close with no alert and no application data; server's encrypted ticket/greeting"
  check_sh13 0x1302
  check_no_clear_alert
}

# ---------------------------------------------------------------- B'. TLS 1.2 certificate failures (alert in clear, after a ServerHello)
s_tls_12_untrusted_postfix_gnutlscli() {
  postfix_start direct "${TLS12_ONLY[@]}"
  # TLS 1.2: the certificate comes in clear, and the client's alert (before
  # its ChangeCipherSpec) is in clear too. gnutls-cli with the system store
  # does not trust the rig's CA; GnuTLS names that bad_certificate.
  local c=198.51.100.134; client_ip $c
  cap_start tls_12_untrusted_postfix_gnutlscli
  gnutls_starttls --verify-hostname mx.example.net
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 tls_alert=bad_certificate
  cap_stop "Postfix (OpenSSL) TLS 1.2 only x gnutls-cli not trusting the CA: 220, EHLO, STARTTLS 220, ServerHello, Certificate (in clear), ServerKeyExchange, ServerHelloDone, client alert bad_certificate in clear"
  check_sh12 0xc030
  check_clear_alert 42 $c
}

s_tls_12_badname_exim_opensslcli() {
  exim_start "$GT_TLS12"
  # TLS 1.2 (Exim limited to it): openssl s_client -verify_return_error
  # -verify_hostname wrong.example, alert bad_certificate in clear.
  local c=198.51.100.135; client_ip $c
  cap_start tls_12_badname_exim_opensslcli
  openssl_starttls -CAfile "$PKI/ca.pem" -verify_return_error -verify_hostname wrong.example
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 tls_alert=bad_certificate
  cap_stop "Exim (GnuTLS) TLS 1.2 only x openssl s_client -verify_hostname wrong.example: 220, EHLO, STARTTLS 220, ServerHello, Certificate (in clear), ..., client alert bad_certificate in clear"
  check_sh12 0xc030
  check_clear_alert 42 $c
}

# ---------------------------------------------------------------- A. successes
s_tls_13_ok_postfix_msmtp() {
  postfix_start direct
  # msmtp (GnuTLS) trusts the rig's CA and checks mx.example.net: TLS 1.3,
  # then EHLO, MAIL, RCPT, DATA, message, QUIT inside TLS.
  local c=198.51.100.110; client_ip $c
  cap_start tls_13_ok_postfix_msmtp
  msmtp_send 25 --tls-starttls=on
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Postfix (OpenSSL) x msmtp (GnuTLS): 220, EHLO, STARTTLS 220, TLS 1.3 handshake, encrypted delivery"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_12_ok_postfix_msmtp() {
  postfix_start direct "${TLS12_ONLY[@]}"
  # As above with Postfix limited to TLS 1.2: the ServerHello picks ECDHE
  # with the RSA certificate and AES-256-GCM; the certificate is in clear.
  local c=198.51.100.111; client_ip $c
  cap_start tls_12_ok_postfix_msmtp
  msmtp_send 25 --tls-starttls=on
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  cap_stop "Postfix (OpenSSL) TLS 1.2 only x msmtp (GnuTLS): 220, EHLO, STARTTLS 220, TLS 1.2 handshake (certificate CN=mx.example.net in clear), encrypted delivery"
  check_sh12 0xc030
  cap_check "tls.handshake.type==11 && ip.src==$SRV4" "the server Certificate in clear"
  check_no_clear_alert
}

s_tls_13_ok_exim_swaks() {
  exim_start
  # swaks (OpenSSL) against Exim (GnuTLS): TLS 1.3 and an encrypted delivery.
  local c=198.51.100.112; client_ip $c
  cap_start tls_13_ok_exim_swaks
  swaks_tls 25 --tls --body @"$BODY"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Exim (GnuTLS) x swaks (OpenSSL): 220, EHLO, STARTTLS 220, TLS 1.3 handshake, encrypted delivery"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_12_ok_exim_python() {
  exim_start
  # Python smtplib (OpenSSL) with maximum_version TLS 1.2, trusting the
  # rig's CA: TLS 1.2 with Exim (GnuTLS), certificate in clear.
  local c=198.51.100.113; client_ip $c
  cap_start tls_12_ok_exim_python
  python_smtp trust 1.2
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  cap_stop "Exim (GnuTLS) x Python smtplib (OpenSSL) TLS 1.2 max: 220, EHLO, STARTTLS 220, TLS 1.2 handshake (certificate in clear), encrypted delivery"
  check_sh12 0xc030
  cap_check "tls.handshake.type==11 && ip.src==$SRV4" "the server Certificate in clear"
  check_no_clear_alert
}

s_tls_13_ok_exim_msmtp() {
  exim_start
  # GnuTLS on both sides: msmtp against Exim.
  local c=198.51.100.114; client_ip $c
  cap_start tls_13_ok_exim_msmtp
  msmtp_send 25 --tls-starttls=on
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "Exim (GnuTLS) x msmtp (GnuTLS): 220, EHLO, STARTTLS 220, TLS 1.3 handshake, encrypted delivery"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_465_ok_postfix_msmtp() {
  postfix_start direct
  # Implicit TLS (smtpd_tls_wrappermode=yes on 465): the handshake is the
  # first thing on the connection, the 220 greeting comes inside TLS.
  local c=198.51.100.115; client_ip $c
  cap_start tls_465_ok_postfix_msmtp
  msmtp_send 465 --tls-starttls=off
  exp $c $SRV4:465 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "port 465, Postfix smtpd_tls_wrappermode=yes (OpenSSL) x msmtp (GnuTLS): TLS 1.3 from the first byte, encrypted greeting and delivery"
  check_sh13 0x1302
  check_no_clear_alert
}

s_tls_465_ok_exim_swaks() {
  exim_start
  # Implicit TLS (tls_on_connect_ports = 465) x swaks --tls-on-connect.
  local c=198.51.100.116; client_ip $c
  cap_start tls_465_ok_exim_swaks
  swaks_tls 465 --tls-on-connect --body @"$BODY"
  exp $c $SRV4:465 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  cap_stop "port 465, Exim tls_on_connect_ports (GnuTLS) x swaks --tls-on-connect (OpenSSL): TLS 1.3 from the first byte, encrypted greeting and delivery"
  check_sh13 0x1302
  check_no_clear_alert
}

# ---------------------------------------------------------------- D. plain text after STARTTLS
# plain_cmds FILE: STARTTLS, then the whole session in plain text
plain_cmds() {
  printf '%s\n' "EHLO client.example.org" "STARTTLS" "EHLO client.example.org" \
    "MAIL FROM:<sender@example.org>" "RCPT TO:<rcpt@example.net>" "DATA" "<DATA>" "QUIT" >"$1"
}

s_tls_plain_after_starttls() {
  # tls/smtp_plain.py answers STARTTLS with "220 2.0.0 Ready to start TLS"
  # and goes on in plain SMTP; the bash client sends STARTTLS and then EHLO,
  # MAIL, RCPT, DATA, the message, "." and QUIT in plain text.
  daemon_start smtp_plain 25 "$PY" "$TLSDIR/smtp_plain.py" --listen $SRV4:25
  local c=198.51.100.120; client_ip $c
  plain_cmds "$RUN/plain.cmds"
  cap_start tls_plain_after_starttls
  smtp_lines $SRV4 25 "$RUN/plain.cmds"
  exp $c $SRV4:25 ACCEPT DELIVERED flags=plaintext_after_starttls
  cap_stop "tls/smtp_plain.py: 220, EHLO 250 (STARTTLS offered), STARTTLS 220 Ready to start TLS, then plain EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT 221 (no TLS record at all)"
  cap_check 'tcp.payload contains "STARTTLS\r\n" && tcp.dstport==25' "the STARTTLS command"
  cap_check 'smtp.response.code==220 && smtp.rsp.parameter contains "Ready to start TLS"' "the 220 to STARTTLS"
  cap_check 'tcp.payload contains "MAIL FROM:"' "MAIL in plain text"
  cap_check_none "tls.record.content_type" "a TLS record"
}

s_tls_plain_after_starttls_proxy() {
  # A STARTTLS-stripping proxy (tls/smtp_plain.py --upstream) owns
  # 192.0.2.25:25 and relays to the real Postfix on 127.0.0.1:10025, but
  # answers the client's STARTTLS itself with 220 and never forwards it: the
  # client side (captured) shows STARTTLS, 220, and Postfix's own replies to
  # a plain EHLO, MAIL, RCPT, DATA and QUIT.
  postfix_start behind
  sns "$PY" "$TLSDIR/smtp_plain.py" --listen $SRV4:25 --upstream 127.0.0.1:10025 </dev/null >>"$RUN/smtp_plain.log" 2>&1 &
  DAEMON_PID=$!
  wait_listen 25
  local c=198.51.100.121; client_ip $c
  plain_cmds "$RUN/plain.cmds"
  cap_start tls_plain_after_starttls_proxy
  smtp_lines $SRV4 25 "$RUN/plain.cmds"
  exp $c $SRV4:25 ACCEPT DELIVERED flags=plaintext_after_starttls
  cap_stop "STARTTLS-stripping proxy in front of Postfix: 220 (Postfix), EHLO 250 (STARTTLS offered), STARTTLS answered 220 by the proxy, then plain EHLO, MAIL, RCPT, DATA, message, 250 queued (Postfix), QUIT 221"
  cap_check 'tcp.payload contains "STARTTLS\r\n" && tcp.dstport==25' "the STARTTLS command"
  cap_check 'smtp.response.code==220 && smtp.rsp.parameter contains "Ready to start TLS"' "the 220 to STARTTLS"
  cap_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "Postfix's 250 queued"
  cap_check_none "tls.record.content_type" "a TLS record"
  daemon_stop
}

# ---------------------------------------------------------------- C. TLS 1.2 failures, alerts in clear
GT_CHACHA12="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305"

s_tls_12_cipher_mismatch_postfix_gnutlscli() {
  postfix_start direct smtpd_tls_exclude_ciphers=CHACHA20
  # The client (gnutls-cli) offers TLS 1.2 with ChaCha20-Poly1305 suites
  # only; Postfix (OpenSSL) excludes CHACHA20: no shared cipher, the server
  # answers the ClientHello with a fatal alert handshake_failure, no ServerHello.
  local c=198.51.100.130; client_ip $c
  cap_start tls_12_cipher_mismatch_postfix_gnutlscli
  gnutls_starttls --x509cafile "$PKI/ca.pem" --verify-hostname mx.example.net --priority "$GT_CHACHA12"
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_alert=handshake_failure
  cap_stop "Postfix (OpenSSL) smtpd_tls_exclude_ciphers=CHACHA20 x gnutls-cli offering TLS 1.2 ChaCha20 suites only: 220, EHLO, STARTTLS 220, ClientHello, server alert handshake_failure in clear"
  cap_check "tls.alert_message.desc==40 && ip.src==$SRV4" "the server's alert handshake_failure"
  cap_check_none "tls.handshake.type==2" "a ServerHello"
}

s_tls_12_cipher_mismatch_exim_opensslcli() {
  exim_start "NORMAL:-CHACHA20-POLY1305"
  # openssl s_client -tls1_2 offers ECDHE-RSA-CHACHA20-POLY1305 only; Exim
  # (GnuTLS) has it removed from its priority string: no shared cipher.
  local c=198.51.100.131; client_ip $c
  cap_start tls_12_cipher_mismatch_exim_opensslcli
  openssl_starttls -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 -CAfile "$PKI/ca.pem"
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_alert=handshake_failure
  cap_stop "Exim (GnuTLS) tls_require_ciphers NORMAL:-CHACHA20-POLY1305 x openssl s_client -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305: 220, EHLO, STARTTLS 220, ClientHello, server alert handshake_failure in clear"
  cap_check "tls.alert_message.desc==40 && ip.src==$SRV4" "the server's alert handshake_failure"
  cap_check_none "tls.handshake.type==2" "a ServerHello"
}

s_tls_version_mismatch_exim_opensslcli() {
  exim_start "$GT_TLS13"
  # Exim (GnuTLS) allows only TLS 1.3; openssl s_client -tls1_2 offers only
  # 1.2. GnuTLS 3.7.9 answers with handshake_failure (40), not
  # protocol_version (70) as OpenSSL does (tls_version_mismatch): with only
  # TLS 1.3 enabled it finds none of the client's TLS 1.2 suites usable.
  local c=198.51.100.132; client_ip $c
  cap_start tls_version_mismatch_exim_opensslcli
  openssl_starttls -tls1_2 -CAfile "$PKI/ca.pem"
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_alert=handshake_failure
  cap_stop "Exim (GnuTLS) TLS 1.3 only x openssl s_client -tls1_2: 220, EHLO, STARTTLS 220, ClientHello (TLS 1.2 only), server alert handshake_failure in clear (GnuTLS's alert for it, not protocol_version)"
  cap_check "tls.alert_message.desc==40 && ip.src==$SRV4" "the server's alert handshake_failure"
  cap_check_none "tls.handshake.type==2" "a ServerHello"
}

s_tls_version_mismatch_postfix_gnutlscli() {
  postfix_start direct "${TLS13_ONLY[@]}"
  # Postfix (OpenSSL) allows only TLS 1.3; gnutls-cli offers only TLS 1.2.
  local c=198.51.100.133; client_ip $c
  cap_start tls_version_mismatch_postfix_gnutlscli
  gnutls_starttls --x509cafile "$PKI/ca.pem" --verify-hostname mx.example.net --priority "$GT_TLS12"
  exp $c $SRV4:25 ACCEPT TLS_FAILED tls_alert=protocol_version
  cap_stop "Postfix (OpenSSL) TLS 1.3 only x gnutls-cli TLS 1.2 only: 220, EHLO, STARTTLS 220, ClientHello, server alert protocol_version in clear"
  cap_check "tls.alert_message.desc==70 && ip.src==$SRV4" "the server's alert protocol_version"
  cap_check_none "tls.handshake.type==2" "a ServerHello"
}

# ---------------------------------------------------------------- E. key logs: tls_kl_*
# Each tls_kl_NAME.pcap is kept with tls_kl_NAME.keys, the NSS key log lines
# of its own sessions (picked by the ClientHello randoms in the capture from
# what the writing side logged: CLIENT_RANDOM for TLS 1.2, the *_TRAFFIC_SECRET
# and EXPORTER_SECRET lines for TLS 1.3), and two expect files:
# tls_kl_NAME.expect (what esaflow says without the keys: the session is
# TLS) and tls_kl_NAME.decrypted.expect (what the decrypted SMTP dialogue
# shows, for `esaflow analyze --keylog`). The dialogue itself, decrypted by
# tshark with the .keys file (tls/kl_dialogue.py), heads the latter as
# comments, and the outcome judged from it must be the designed one.
KLDIR=$RUN/kl
# Exim's GnuTLS logs here when started with it: under spool_directory, as
# Exim 4.96 (tls_clean_env) drops an SSLKEYLOGFILE that is not.
EXIM_KEYLOG=$RUN/exim/spool/sslkeylog.txt
KL_CLI= # the key log of the current scenario's client (kl_start)
DEXP=()
DNOTE= # a note for the decrypted expectation (kl_start clears it)

# kl_start NAME: cap_start NAME, with a fresh client key log $KL_CLI
kl_start() {
  mkdir -p "$KLDIR"
  rm -f "$OUT/$1.keys" "$OUT/$1.decrypted.expect"
  DEXP=() DNOTE=
  KL_CLI=$KLDIR/$1.client.keys
  : >"$KL_CLI"
  cap_start "$1"
}
# dexp CLIENT SERVER:PORT VERDICT [OUTCOME] [KEY=VALUE ...]: as exp, for the
# decrypted session
dexp() { DEXP+=("conn $*"); }

# kl_stop DESC KEYSRC: end the capture; $OUT/$CAP_NAME.keys = the lines of
# KEYSRC for the capture's sessions; write both expect files.
kl_stop() {
  local desc=$1 src=$2
  cap_halt
  kl_keep "$src" "$OUT/$CAP_NAME.keys"
  cat "$OUT/$CAP_NAME.keys" >>"$KEYLOG" # for record_dump's decrypted view
  write_expect "$desc"
  write_dexpect "$desc" "$OUT/$CAP_NAME.keys"
  record_dump
}

# capture_randoms: the ClientHello randoms of $CAP_FILE, lower-case hex
capture_randoms() {
  tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -Y 'tls.handshake.type==1' -T fields -e tls.handshake.random 2>/dev/null |
    tr -d ':' | tr 'A-F' 'a-f' | sort -u
}

# kl_keep SRC DEST: the NSS key log lines of SRC whose client random is one
# of the capture's ClientHellos, each once, in SRC's order.
kl_keep() {
  local src=$1 dest=$2
  capture_randoms >"$KLDIR/$CAP_NAME.randoms"
  [ -s "$KLDIR/$CAP_NAME.randoms" ] || die "$CAP_NAME: no ClientHello in the capture"
  awk 'NR==FNR { r[$1]=1; next } NF==3 && (tolower($2) in r) && !seen[$0]++' "$KLDIR/$CAP_NAME.randoms" "$src" >"$dest"
  [ -s "$dest" ] || die "$CAP_NAME: $src holds no key log line for the capture's sessions"
  log "$CAP_NAME: kept $(wc -l <"$dest") key log lines ($(kl_types "$dest")) in $dest"
}
kl_types() { awk '{ n[$1]++ } END { for (t in n) printf "%s%s", (k++ ? " " : ""), t }' "$1" | tr ' ' '\n' | sort | paste -sd' ' -; }

# write_dexpect DESC KEYS: $OUT/$CAP_NAME.decrypted.expect from DEXP; KEYS
# ("-": the secrets embedded in the pcapng) decrypts the capture for the
# dialogue at its head, and the verdict and outcome kl_dialogue.py judges
# from that dialogue must be the ones DEXP designs, connection by connection
# (outcome "-": none, the verdict is not ACCEPT).
write_dexpect() {
  local desc=$1 keys=$2 e=$OUT/$CAP_NAME.decrypted.expect d=$KLDIR/$CAP_NAME.dialogue
  "$PY" "$TLSDIR/kl_dialogue.py" "$CAP_FILE" "$keys" >"$d" || die "$CAP_NAME: kl_dialogue.py failed"
  local judged want
  judged=$(paste -d' ' <(sed -n 's/^verdict: //p' "$d") <(sed -n 's/^outcome: //p' "$d") | paste -sd' ' -)
  want=$(printf '%s\n' "${DEXP[@]}" | awk '{ print $4, ($5 ~ /=/ || $5 == "") ? "-" : $5 }' | paste -sd' ' -)
  [ "$judged" = "$want" ] || { cat "$d" >&2; die "$CAP_NAME: the decrypted dialogue shows $judged, the design says $want"; }
  local from="decrypted with $(basename "$keys")"
  [ "$keys" = - ] && from="decrypted with the secrets embedded in the pcapng (Decryption Secrets Block)"
  {
    echo "# $CAP_NAME, $from: $desc"
    echo "# What the session shows once decrypted (esaflow analyze --keylog): written by"
    echo "# testdata/record/tls.sh from the scenario design, not by esaflow, and checked"
    echo "# against this SMTP dialogue, as tshark decrypts it (tls/kl_dialogue.py):"
    sed -e '/^outcome: /d' -e '/^verdict: /d' -e 's/^/#   /' "$d"
    echo "# The outcome is the one esaflow gives the same dialogue in clear text; the"
    echo "# tls_version/tls_cipher of the handshake stay, and no plaintext_after_starttls"
    echo "# flag: the session was encrypted on the wire."
    if [ -n "$DNOTE" ]; then printf '# %s\n' "$DNOTE" | fold -s -w 78 | sed -e 's/ *$//' -e 's/^\([^#]\)/# \1/'; fi
    echo "# conn CLIENT_ADDR SERVER_ADDR:SERVER_PORT VERDICT [OUTCOME] [KEY=VALUE ...]"
    printf '%s\n' "${DEXP[@]}"
    echo "# host CLIENT_ADDR VERDICT"
    printf '%s\n' "${DEXP[@]}" | host_lines
  } >"$e"
  log "wrote $e (decrypted: $judged)"
}

# kl_check FILTER WHAT: as cap_check, on the capture decrypted with its .keys
kl_check() {
  local n
  n=$(tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -o "tls.keylog_file:$OUT/$CAP_NAME.keys" -Y "$1" 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || die "$CAP_NAME: decrypted, no packet shows $2 ($1)"
  log "$CAP_NAME: decrypted, $n packet(s) show $2"
}
kl_check_none() {
  local n
  n=$(tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -o "tls.keylog_file:$OUT/$CAP_NAME.keys" -Y "$1" 2>/dev/null | wc -l)
  [ "$n" -eq 0 ] || die "$CAP_NAME: decrypted, $n packet(s) show $2 ($1), the design has none"
  log "$CAP_NAME: decrypted, no packet shows $2"
}
# kl_check_keytypes TYPE...: the .keys file holds lines of exactly these types
kl_check_keytypes() {
  local got want
  got=$(kl_types "$OUT/$CAP_NAME.keys")
  want=$(printf '%s\n' "$@" | sort | paste -sd' ' -)
  [ "$got" = "$want" ] || die "$CAP_NAME: key log line types are '$got', want '$want'"
}
KT13=(CLIENT_HANDSHAKE_TRAFFIC_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 SERVER_TRAFFIC_SECRET_0 EXPORTER_SECRET)

# kl_python SCRIPT [kl_smtp.py args]: tls/kl_smtp.py (Python smtplib, system
# OpenSSL), secrets to $KL_CLI
kl_python() {
  clog "kl_smtp.py $*"
  cns timeout 30 "$PY" "$TLSDIR/kl_smtp.py" --server "$SRV4" --cafile "$PKI/ca.pem" --keylog "$KL_CLI" \
    --msg "$RUN/msg.eml" "$@" >>"$RUN/clients.log" 2>&1 || true
}

# kl_feed CMDFILE: the lines of CMDFILE one at a time for s_client's stdin,
# 1.5 s after the start (STARTTLS and the handshake), then 0.5 s apart;
# "<DATA>" is the message with LF line ends (s_client -crlf makes them CRLF)
# and "."; then stdin stays open 3 s more, while the server answers QUIT
# and closes.
kl_feed() {
  sleep 1.5
  local l
  while IFS= read -r l; do
    if [ "$l" = "<DATA>" ]; then tr -d '\r' <"$RUN/msg.eml"; printf '.\n'; else printf '%s\n' "$l"; fi
    sleep 0.5
  done <"$1"
  sleep 3
}
# kl_sclient CMDFILE [s_client args]: openssl s_client -starttls smtp that
# trusts the rig's CA and checks mx.example.net, fed by kl_feed, secrets to
# $KL_CLI (-keylogfile)
kl_sclient() {
  local cmds=$1; shift
  clog "openssl s_client (fed $(paste -sd'|' "$cmds")) $*"
  kl_feed "$cmds" | cns timeout 30 openssl s_client -starttls smtp -name client.example.org -connect "$SRV4:25" -crlf \
    -CAfile "$PKI/ca.pem" -verify_return_error -verify_hostname mx.example.net -keylogfile "$KL_CLI" "$@" \
    >>"$RUN/clients.log" 2>&1 || true
}

# the SMTP of a delivery, the message for swaks
KL_DELIVER=("EHLO client.example.org" "MAIL FROM:<sender@example.org>" "RCPT TO:<rcpt@example.net>" "DATA" "<DATA>" "QUIT")

s_tls_kl_13_gcm_exim_swaks() {
  # Keys written by the SERVER: Exim's GnuTLS logs the secrets of every
  # session to SSLKEYLOGFILE (kept in its environment by keep_environment);
  # swaks (Net::SSLeay) logs none. Exim's priority string allows only
  # AES-128-GCM: TLS_AES_128_GCM_SHA256 (the SHA-256 key schedule; every
  # other TLS 1.3 capture of the rig has SHA-384 or ChaCha20).
  exim_start "NORMAL:-CIPHER-ALL:+AES-128-GCM" "" "$EXIM_KEYLOG"
  local c=198.51.100.140; client_ip $c
  kl_start tls_kl_13_gcm_exim_swaks
  swaks_tls 25 --tls --body @"$BODY"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_128_GCM_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.3 tls_cipher=TLS_AES_128_GCM_SHA256
  kl_stop "Exim (GnuTLS, keys logged by the server) x swaks (OpenSSL): 220, EHLO, STARTTLS 220, TLS 1.3 TLS_AES_128_GCM_SHA256, EHLO, MAIL, RCPT, DATA, message, 250, QUIT 221" "$EXIM_KEYLOG"
  check_sh13 0x1301
  check_no_clear_alert
  kl_check_keytypes "${KT13[@]}"
  kl_check 'lower(smtp.req.command)=="mail" && tls' "MAIL FROM inside TLS"
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "id="' "the 250 to the message"
}

s_tls_kl_13_chacha_postfix_opensslcli() {
  # openssl s_client -ciphersuites TLS_CHACHA20_POLY1305_SHA256 (OpenSSL,
  # -keylogfile) against Postfix, fed one command every 0.5 s.
  postfix_start direct
  local c=198.51.100.141; client_ip $c
  printf '%s\n' "${KL_DELIVER[@]}" >"$RUN/kl.cmds"
  kl_start tls_kl_13_chacha_postfix_opensslcli
  kl_sclient "$RUN/kl.cmds" -nocommands -ciphersuites TLS_CHACHA20_POLY1305_SHA256
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_CHACHA20_POLY1305_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.3 tls_cipher=TLS_CHACHA20_POLY1305_SHA256
  kl_stop "Postfix (OpenSSL) x openssl s_client -ciphersuites TLS_CHACHA20_POLY1305_SHA256 (keys logged by the client): 220, EHLO, STARTTLS 220, TLS 1.3 ChaCha20-Poly1305, EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT 221" "$KL_CLI"
  check_sh13 0x1303
  check_no_clear_alert
  kl_check_keytypes "${KT13[@]}"
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "the 250 queued"
}

s_tls_kl_13_chacha_exim_msmtp() {
  # msmtp (GnuTLS, SSLKEYLOGFILE) offering ChaCha20-Poly1305 only, against
  # Exim (GnuTLS): TLS 1.3 TLS_CHACHA20_POLY1305_SHA256, keys from GnuTLS.
  exim_start
  local c=198.51.100.142; client_ip $c
  kl_start tls_kl_13_chacha_exim_msmtp
  MSMTP_KEYLOG=$KL_CLI msmtp_send 25 --tls-starttls=on --tls-priorities="NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_CHACHA20_POLY1305_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.3 tls_cipher=TLS_CHACHA20_POLY1305_SHA256
  kl_stop "Exim (GnuTLS) x msmtp (GnuTLS, keys logged by the client) offering ChaCha20 only: 220, EHLO, STARTTLS 220, TLS 1.3 ChaCha20-Poly1305, EHLO, MAIL, RCPT, DATA, message, 250, QUIT 221" "$KL_CLI"
  check_sh13 0x1303
  check_no_clear_alert
  kl_check_keytypes "${KT13[@]}"
  kl_check 'smtp.response.code==354' "the 354 to DATA"
}

s_tls_kl_12_gcm_postfix_msmtp() {
  # msmtp (GnuTLS, SSLKEYLOGFILE) offering TLS 1.2 with AES-128-GCM only,
  # Postfix limited to TLS 1.2: ECDHE-RSA-AES128-GCM-SHA256; one
  # CLIENT_RANDOM line.
  postfix_start direct "${TLS12_ONLY[@]}"
  local c=198.51.100.143; client_ip $c
  kl_start tls_kl_12_gcm_postfix_msmtp
  MSMTP_KEYLOG=$KL_CLI msmtp_send 25 --tls-starttls=on --tls-priorities="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  kl_stop "Postfix (OpenSSL) TLS 1.2 only x msmtp (GnuTLS, keys logged by the client): 220, EHLO, STARTTLS 220, TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT 221" "$KL_CLI"
  check_sh12 0xc02f
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "the 250 queued"
}

s_tls_kl_12_chacha_postfix_python() {
  # Python smtplib (OpenSSL, keylog_filename), TLS 1.2 at most, cipher list
  # ECDHE-RSA-CHACHA20-POLY1305 only.
  postfix_start direct
  local c=198.51.100.144; client_ip $c
  kl_start tls_kl_12_chacha_postfix_python
  kl_python deliver --max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  kl_stop "Postfix (OpenSSL) x Python smtplib (OpenSSL, keys logged by the client) TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305: 220, EHLO, STARTTLS 220, EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT 221" "$KL_CLI"
  check_sh12 0xcca8
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "the 250 queued"
}

s_tls_kl_12_chacha_exim_swaks() {
  # Keys written by the SERVER (Exim, GnuTLS) again, TLS 1.2: Exim allows
  # TLS 1.2 with ChaCha20-Poly1305 only; swaks logs nothing.
  exim_start "$GT_CHACHA12" "" "$EXIM_KEYLOG"
  local c=198.51.100.145; client_ip $c
  kl_start tls_kl_12_chacha_exim_swaks
  swaks_tls 25 --tls --body @"$BODY"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
  kl_stop "Exim (GnuTLS, keys logged by the server) TLS 1.2 ChaCha20 only x swaks (OpenSSL): 220, EHLO, STARTTLS 220, TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305, EHLO, MAIL, RCPT, DATA, message, 250, QUIT 221" "$EXIM_KEYLOG"
  check_sh12 0xcca8
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "id="' "the 250 to the message"
}

s_tls_kl_12_cbc_postfix_python() {
  # CBC with HMAC-SHA256, TLS 1.2: Python (OpenSSL) cipher list
  # ECDHE-RSA-AES128-SHA256. OpenSSL on both sides: encrypt_then_mac (RFC
  # 7366) is offered and taken: the MAC covers the ciphertext.
  postfix_start direct
  local c=198.51.100.146; client_ip $c
  kl_start tls_kl_12_cbc_postfix_python
  kl_python deliver --max 1.2 --ciphers ECDHE-RSA-AES128-SHA256
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
  kl_stop "Postfix (OpenSSL) x Python smtplib (OpenSSL, keys logged by the client) TLS 1.2 ECDHE-RSA-AES128-SHA256 with encrypt_then_mac: 220, EHLO, STARTTLS 220, EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT 221" "$KL_CLI"
  check_sh12 0xc027
  cap_check "tls.handshake.type==2 && tls.handshake.extension.type==22" "encrypt_then_mac in the ServerHello"
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "the 250 queued"
}

s_tls_kl_12_cbcnoetm_exim_msmtp() {
  # CBC with HMAC-SHA1 and NO encrypt_then_mac (MAC-then-encrypt, as
  # TLS 1.2 defines it): msmtp (GnuTLS) priority %NO_ETM, AES-128-CBC, SHA1,
  # against Exim (GnuTLS): ECDHE-RSA-AES128-SHA.
  exim_start
  local c=198.51.100.147; client_ip $c
  kl_start tls_kl_12_cbcnoetm_exim_msmtp
  MSMTP_KEYLOG=$KL_CLI msmtp_send 25 --tls-starttls=on \
    --tls-priorities="NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1:%NO_ETM"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
  kl_stop "Exim (GnuTLS) x msmtp (GnuTLS, keys logged by the client, %NO_ETM) TLS 1.2 ECDHE-RSA-AES128-SHA, MAC-then-encrypt: 220, EHLO, STARTTLS 220, EHLO, MAIL, RCPT, DATA, message, 250, QUIT 221" "$KL_CLI"
  check_sh12 0xc013
  cap_check_none "tls.handshake.extension.type==22" "encrypt_then_mac offered or taken"
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "id="' "the 250 to the message"
}

s_tls_kl_13_rcptrej_postfix_python() {
  # The recipient is refused inside TLS 1.3: Postfix is no relay for
  # elsewhere.example (554 5.7.1 Relay access denied); the client QUITs.
  postfix_start direct
  local c=198.51.100.148; client_ip $c
  kl_start tls_kl_13_rcptrej_postfix_python
  kl_python rcpt_refused --to someone@elsewhere.example
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  dexp $c $SRV4:25 ACCEPT RECIPIENT_REJECTED reason=relay_denied tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  kl_stop "Postfix (OpenSSL) x Python smtplib (OpenSSL, keys logged by the client), TLS 1.3: 220, EHLO, STARTTLS 220, EHLO, MAIL 250, RCPT 554 5.7.1 Relay access denied, QUIT 221" "$KL_CLI"
  check_sh13 0x1302
  check_no_clear_alert
  kl_check_keytypes "${KT13[@]}"
  kl_check 'smtp.response.code==554 && smtp.rsp.parameter contains "Relay access denied"' "the 554 to RCPT"
  kl_check_none 'lower(smtp.req.command)=="data"' "a DATA command"
}

s_tls_kl_12_senderrej_postfix_python() {
  # The sender is refused inside TLS 1.2: Postfix (smtpd_delay_reject=no,
  # check_sender_access with record.sh's regexp table) answers MAIL FROM
  # <ghost@no-such-domain.invalid> with 553 5.1.8; the client QUITs.
  mkdir -p "$CONF"; cp "$HERE/sender_access.regexp" "$CONF/"
  postfix_start direct "${TLS12_ONLY[@]}" smtpd_delay_reject=no "smtpd_sender_restrictions=check_sender_access regexp:$CONF/sender_access.regexp"
  local c=198.51.100.149; client_ip $c
  kl_start tls_kl_12_senderrej_postfix_python
  kl_python sender_refused --from ghost@no-such-domain.invalid
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  dexp $c $SRV4:25 ACCEPT SENDER_REJECTED reason=sender_dns_verification tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  kl_stop "Postfix (OpenSSL) TLS 1.2 only x Python smtplib (OpenSSL, keys logged by the client): 220, EHLO, STARTTLS 220, EHLO, MAIL FROM 553 5.1.8 Sender address rejected: Domain of sender address does not exist, QUIT 221" "$KL_CLI"
  check_sh12 0xc030
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==553' "the 553 to MAIL FROM"
  kl_check_none 'lower(smtp.req.command)=="rcpt"' "a RCPT command"
}

s_tls_kl_13_reset_postfix_python() {
  # Reset by the CLIENT inside TLS 1.3: after EHLO, MAIL 250 and RCPT 250
  # the client sets SO_LINGER {1, 0} and closes its socket: its kernel
  # sends a RST, with no close_notify and no FIN before it.
  postfix_start direct
  local c=198.51.100.150; client_ip $c
  kl_start tls_kl_13_reset_postfix_python
  kl_python reset_after_rcpt
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  dexp $c $SRV4:25 ACCEPT RESET tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  kl_stop "Postfix (OpenSSL) x Python smtplib (OpenSSL, keys logged by the client), TLS 1.3: 220, EHLO, STARTTLS 220, EHLO, MAIL 250, RCPT 250, then the client's RST (SO_LINGER 0), no QUIT, no close_notify" "$KL_CLI"
  check_sh13 0x1302
  check_no_clear_alert
  kl_check_keytypes "${KT13[@]}"
  cap_check "tcp.flags.reset==1 && ip.src==$c" "the client's RST"
  cap_check_none "tcp.flags.fin==1" "a FIN"
  cap_check_none "tcp.flags.reset==1 && ip.src==$SRV4" "a server RST"
  kl_check_none 'lower(smtp.req.command)=="quit"' "a QUIT"
}

s_tls_kl_12_srvreset_exim_python() {
  # Reset by the SERVER inside TLS 1.2: after EHLO, MAIL 250 and RCPT 250
  # the client waits; the server's kernel destroys Exim's socket (ss -K in
  # tsrv, as an admin or a crashing host would) and sends the client a RST
  # (the server's own TCP stack: same TTL as its other packets).
  exim_start
  local c=198.51.100.151; client_ip $c
  kl_start tls_kl_12_srvreset_exim_python
  local out=$KLDIR/$CAP_NAME.client.out
  cns timeout 30 "$PY" "$TLSDIR/kl_smtp.py" --server "$SRV4" --cafile "$PKI/ca.pem" --keylog "$KL_CLI" \
    --msg "$RUN/msg.eml" --max 1.2 --pause 8 wait_after_rcpt >"$out" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do grep -q '^kl_smtp: rcpt 250' "$out" && break; sleep 0.2; done
  grep -q '^kl_smtp: rcpt 250' "$out" || { cat "$out" >&2; die "$CAP_NAME: no RCPT 250"; }
  sleep 0.5
  sns ss -K -tn state established "( sport = :25 and dst $c )" >>"$RUN/clients.log" 2>&1 || die "$CAP_NAME: ss -K failed"
  wait "$pid" || true
  { clog "kl_smtp.py --max 1.2 wait_after_rcpt; ss -K in $SNS"; cat "$out"; } >>"$RUN/clients.log"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  dexp $c $SRV4:25 ACCEPT RESET tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  kl_stop "Exim (GnuTLS) x Python smtplib (OpenSSL, keys logged by the client), TLS 1.2: 220, EHLO, STARTTLS 220, EHLO, MAIL 250, RCPT 250, then a RST from the server's kernel (ss -K on the server socket), no QUIT" "$KL_CLI"
  check_sh12 0xc030
  check_no_clear_alert
  kl_check_keytypes CLIENT_RANDOM
  cap_check "tcp.flags.reset==1 && ip.src==$SRV4" "the server's RST"
  cap_check_none "tcp.flags.fin==1" "a FIN"
  kl_check 'lower(smtp.req.command)=="rcpt"' "RCPT inside TLS"
  kl_check_none 'lower(smtp.req.command)=="quit"' "a QUIT"
}

s_tls_kl_13_wrongkeys_exim_msmtp() {
  # Keys that do not match: a TLS 1.3 delivery (msmtp x Exim, both GnuTLS)
  # kept with the key log of ANOTHER session -- the same delivery run a
  # moment before, not captured. No line of the .keys file names the
  # capture's client random, so nothing decrypts; the decrypted expectation
  # is the one without keys (decryption must say the keys do not match).
  exim_start
  local c=198.51.100.152; client_ip $c
  local other=$KLDIR/tls_kl_13_wrongkeys_exim_msmtp.other.keys
  mkdir -p "$KLDIR"; : >"$other"
  MSMTP_KEYLOG=$other msmtp_send 25 --tls-starttls=on # not captured
  sleep 1
  kl_start tls_kl_13_wrongkeys_exim_msmtp
  MSMTP_KEYLOG=$KL_CLI msmtp_send 25 --tls-starttls=on
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  dexp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384 decryption=no_keys
  local desc="Exim (GnuTLS) x msmtp (GnuTLS), TLS 1.3 delivery; the .keys file is the key log of another session (the same delivery run just before, not captured): no line names this capture's client random"
  DNOTE="Nothing decrypts with these keys: the record stays what it is without keys, and decryption must say that the key log holds no secret for this session's client random (the keys do not match), not fail silently or guess."
  cap_halt
  # the session's own keys prove what the packets hold (records.txt) ...
  kl_keep "$KL_CLI" "$KLDIR/$CAP_NAME.own.keys"
  cat "$KLDIR/$CAP_NAME.own.keys" >>"$KEYLOG"
  # ... and the other session's, complete, go beside the capture
  local n
  [ "$(awk '{print $1}' "$other" | sort -u | paste -sd' ' -)" = "$(printf '%s\n' "${KT13[@]}" | sort | paste -sd' ' -)" ] ||
    die "$CAP_NAME: the other session's key log is not one whole TLS 1.3 key log"
  n=$(awk 'NR==FNR { r[$1]=1; next } tolower($2) in r' "$KLDIR/$CAP_NAME.randoms" "$other" | wc -l)
  [ "$n" -eq 0 ] || die "$CAP_NAME: $n line(s) of the other key log match the capture"
  cp "$other" "$OUT/$CAP_NAME.keys"
  log "$CAP_NAME: $OUT/$CAP_NAME.keys = another session's $(wc -l <"$other") lines (client random $(awk 'NR==1{print $2}' "$other"))"
  write_expect "$desc"
  write_dexpect "$desc" "$OUT/$CAP_NAME.keys"
  record_dump
  check_sh13 0x1302
  check_no_clear_alert
  kl_check_none 'lower(smtp.req.command)=="mail"' "MAIL (nothing decrypts with another session's keys)"
}

s_tls_kl_13_keyupdate_postfix_opensslcli() {
  # TLS 1.3 KeyUpdate in the middle of the session: s_client's command
  # letter "K" (SSL_key_update, update_requested) after MAIL; Postfix's
  # OpenSSL answers with a KeyUpdate of its own. Both directions then use
  # the second generation of traffic secrets. OpenSSL 3.0 logs those too,
  # under labels no NSS key log reader knows: CLIENT_TRAFFIC_SECRET_N and
  # SERVER_TRAFFIC_SECRET_N (a literal "N", not the generation; here each
  # is HKDF-Expand-Label(*_TRAFFIC_SECRET_0, "traffic upd", "", 48), checked
  # by hand). The .keys file keeps them as OpenSSL wrote them; a decryptor
  # can derive the same secrets from the *_0 lines at each KeyUpdate, as
  # tshark does. (The command letters stay on, so RCPT and QUIT are sent in
  # lower case, or s_client would take R and Q for its own commands.)
  postfix_start direct
  local c=198.51.100.153; client_ip $c
  printf '%s\n' "EHLO client.example.org" "MAIL FROM:<sender@example.org>" "K" "rcpt TO:<rcpt@example.net>" "DATA" "<DATA>" "quit" >"$RUN/kl.cmds"
  kl_start tls_kl_13_keyupdate_postfix_opensslcli
  kl_sclient "$RUN/kl.cmds"
  exp $c $SRV4:25 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  dexp $c $SRV4:25 ACCEPT DELIVERED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  kl_stop "Postfix (OpenSSL) x openssl s_client (OpenSSL, keys logged by the client), TLS 1.3: 220, EHLO, STARTTLS 220, EHLO, MAIL 250, KeyUpdate (update_requested) from the client, KeyUpdate from the server, RCPT 250, DATA, message, 250 queued, QUIT 221" "$KL_CLI"
  check_sh13 0x1302
  check_no_clear_alert
  kl_check_keytypes "${KT13[@]}" CLIENT_TRAFFIC_SECRET_N SERVER_TRAFFIC_SECRET_N
  kl_check "tls.handshake.type==24 && ip.src==$c" "the client's KeyUpdate"
  kl_check "tls.handshake.type==24 && ip.src==$SRV4" "the server's KeyUpdate"
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "the 250 queued (after the KeyUpdates)"
}

# kl_dsb BASE: BASE_dsb.pcapng = BASE.pcap with BASE.keys embedded as a
# Decryption Secrets Block (editcap --inject-secrets); no .keys beside it.
# Derived, not recorded: BASE must have been recorded (in this run or before).
kl_dsb() {
  local base=$1
  mkdir -p "$KLDIR"
  [ -s "$OUT/$base.pcap" ] && [ -s "$OUT/$base.keys" ] || die "${base}_dsb: record $base first"
  CAP_NAME=${base}_dsb CAP_FILE=$OUT/${base}_dsb.pcapng
  rm -f "$CAP_FILE" "$OUT/$CAP_NAME.keys" "$OUT/$CAP_NAME.maillog"
  # the same connections as BASE: its server log slice, if it has one (as
  # record.sh's fw_masked_greeting takes postfix_accept_delivered's)
  if [ -f "$OUT/$base.maillog" ]; then
    cp "$OUT/$base.maillog" "$OUT/$CAP_NAME.maillog"
    log "wrote $OUT/$CAP_NAME.maillog ($base's)"
  fi
  editcap -F pcapng --inject-secrets "tls,$OUT/$base.keys" "$OUT/$base.pcap" "$CAP_FILE" || die "$CAP_NAME: editcap failed"
  # The file carries its own key log, which esaflow reads without
  # --keylog: analyzed as it is, it shows the decrypted outcome.
  mapfile -t EXP < <(grep '^conn ' "$OUT/$base.decrypted.expect")
  mapfile -t DEXP < <(grep '^conn ' "$OUT/$base.decrypted.expect")
  DNOTE="The secrets are in the pcapng itself (a Decryption Secrets Block of type TLS key log, the lines of $base.keys); no .keys file goes with it."
  local desc="$base.pcap with $base.keys embedded (editcap --inject-secrets tls,...: a pcapng Decryption Secrets Block)"
  write_expect "$desc"
  write_dexpect "$desc" -
  local n
  n=$(tshark -r "$CAP_FILE" "${TSHARK_D[@]}" -Y 'lower(smtp.req.command)=="mail"' 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || die "$CAP_NAME: tshark decrypts nothing from the embedded secrets"
  log "$CAP_NAME: tshark decrypts MAIL FROM with the embedded secrets alone"
  record_dump
}
s_tls_kl_12_gcm_postfix_msmtp_dsb() { kl_dsb tls_kl_12_gcm_postfix_msmtp; }
s_tls_kl_13_gcm_exim_swaks_dsb() { kl_dsb tls_kl_13_gcm_exim_swaks; }

# Implicit TLS on 465 (Postfix's smtps service, smtpd_tls_wrappermode=yes, as
# tls_465_ok_postfix_msmtp) with the client's key log: the whole connection
# is TLS, the greeting is the server's first application record, and only
# the key log shows it. kl_smtp.py --implicit = smtplib.SMTP_SSL.

# check_implicit: the connection starts with the client's ClientHello, and
# no SMTP is readable without the keys (no STARTTLS, nothing in clear)
check_implicit() {
  cap_check "tcp.dstport==465 && tls.handshake.type==1" "a ClientHello to port 465"
  cap_check_none "smtp.req.command || smtp.response.code" "SMTP in clear (without the keys)"
}

s_tls_kl_465_ok_postfix_python() {
  # A delivery over implicit TLS 1.3: Python smtplib.SMTP_SSL (OpenSSL,
  # keylog_filename) x Postfix on 465: 220 inside TLS, EHLO, MAIL, RCPT,
  # DATA, message, 250 queued, QUIT 221.
  postfix_start direct
  local c=198.51.100.154; client_ip $c
  kl_start tls_kl_465_ok_postfix_python
  kl_python deliver --implicit
  exp $c $SRV4:465 ACCEPT TLS tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  dexp $c $SRV4:465 ACCEPT DELIVERED tls_version=TLSv1.3 tls_cipher=TLS_AES_256_GCM_SHA384
  DNOTE="Implicit TLS: no clear-text SMTP at all; the 220 greeting is the server's first application record after the handshake (and its session tickets), decrypted, and decides the verdict as a greeting in clear does."
  kl_stop "port 465, Postfix smtpd_tls_wrappermode=yes (OpenSSL) x Python smtplib.SMTP_SSL (OpenSSL, keys logged by the client), TLS 1.3 from the first byte: 220 inside TLS, EHLO, MAIL, RCPT, DATA, message, 250 queued, QUIT 221" "$KL_CLI"
  check_sh13 0x1302
  check_no_clear_alert
  check_implicit
  kl_check_keytypes "${KT13[@]}"
  kl_check 'smtp.response.code==220 && smtp.rsp.parameter contains "ESMTP Postfix"' "the 220 greeting inside TLS"
  kl_check 'smtp.response.code==250 && smtp.rsp.parameter contains "queued"' "the 250 queued"
  kl_check 'lower(smtp.req.command)=="quit"' "QUIT"
}

s_tls_kl_465_reject_postfix_python() {
  # Postfix refuses the client over implicit TLS: smtpd_delay_reject=no and
  # check_client_access with record.sh's client_access.cidr plus this
  # client's address as REJECT (what record.sh's postfix_reject_554 does in
  # clear). In wrapper mode smtpd completes the TLS handshake first, then
  # its greeting is 554 5.7.1 ... Client host rejected: Access denied,
  # inside TLS. smtplib.SMTP_SSL (TLS 1.2 at most) raises SMTPConnectError
  # on it, having closed its socket (a FIN, no close_notify, no QUIT);
  # kl_smtp.py catches it.
  local c=198.51.100.155
  mkdir -p "$CONF"
  cp "$HERE/client_access.cidr" "$CONF/client_access.cidr"
  echo "$c   REJECT" >>"$CONF/client_access.cidr"
  postfix_start direct smtpd_delay_reject=no "smtpd_client_restrictions=check_client_access cidr:$CONF/client_access.cidr"
  client_ip $c
  kl_start tls_kl_465_reject_postfix_python
  kl_python greeting_refused --implicit --max 1.2
  exp $c $SRV4:465 ACCEPT TLS tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  dexp $c $SRV4:465 REJECT reason=access_denied tls_version=TLSv1.2 tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
  DNOTE="Implicit TLS: the greeting inside TLS is a 554, so the verdict is REJECT (reason access_denied, as postfix_reject_554's 554 in clear) and there is no outcome. Without the keys the connection is an implicit-TLS session whose TLS 1.2 handshake completed: ACCEPT TLS; only the key log shows the refusal."
  kl_stop "port 465, Postfix smtpd_tls_wrappermode=yes + smtpd_delay_reject=no + check_client_access REJECT (OpenSSL) x Python smtplib.SMTP_SSL (OpenSSL, keys logged by the client), TLS 1.2: handshake, then 554 5.7.1 Client host rejected: Access denied as the greeting inside TLS; the client closes, no command" "$KL_CLI"
  check_sh12 0xc030
  check_no_clear_alert
  check_implicit
  kl_check_keytypes CLIENT_RANDOM
  kl_check 'smtp.response.code==554 && smtp.rsp.parameter contains "Client host rejected"' "the 554 greeting inside TLS"
  kl_check_none 'smtp.response.code==220' "a 220 greeting"
  kl_check_none 'smtp.req.command' "an SMTP command"
}

# ---------------------------------------------------------------- main
main() {
  if [ "${1:-}" = --list ]; then printf '%s\n' "${SCENARIOS[@]}"; exit 0; fi
  [ "$(id -u)" = 0 ] || die "run as root"
  local want=() s
  for s in "$@"; do s=tls_${s#tls_}; declare -F "s_$s" >/dev/null || die "unknown scenario $s (see --list)"; want+=("$s"); done
  [ ${#want[@]} -gt 0 ] || want=("${SCENARIOS[@]}")
  local t0=$SECONDS
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  rm -rf "$RUN"; mkdir -p "$RUN" "$OUT"; chmod 755 "$RUN"
  make_pki
  make_payloads
  net_setup
  for s in "${SCENARIOS[@]}"; do
    [[ " ${want[*]} " == *" $s "* ]] || continue
    "s_$s"
  done
  log "done in $((SECONDS - t0)) s; captures in $OUT; TLS records of each in $RUN/records.txt"
}

main "$@"
