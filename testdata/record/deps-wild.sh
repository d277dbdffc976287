#!/usr/bin/env bash
# Install what testdata/record/wild.sh needs on a fresh Debian 12 (run as root).
#
# Exim4, OpenSMTPD and Sendmail all "Provide: mail-transport-agent" and
# conflict with each other and with Postfix, so they are NOT installed: their
# .deb files are fetched with apt-get download and unpacked with dpkg -x into
# $WILD_PKGS (default /var/tmp/esaflow-wild-pkgs/NAME), and wild.sh runs each
# binary from there with its own private configuration. So is popa3d (a POP3
# server), whose package would edit the host's /etc/inetd.conf. Their
# shared-library dependencies (none of them an MTA) are installed normally,
# and so are the system users the binaries were built to run as.
# Node.js comes from apt (unless a node with npm is there already); the npm
# packages smtp-server and nodemailer (pinned) go into $WILD_PKGS/node.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
WILD_PKGS=${WILD_PKGS:-/var/tmp/esaflow-wild-pkgs}

echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string mx.example.net" | debconf-set-selections
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections

apt-get update
apt-get install -y -o DPkg::Lock::Timeout=900 --no-install-recommends \
  iproute2 ethtool nftables tcpdump tshark wireshark-common procps gzip \
  postfix haproxy \
  swaks libnet-ssleay-perl libio-socket-inet6-perl \
  msmtp s-nail netcat-openbsd openssl ca-certificates curl \
  python3 python3-aiosmtpd python3-pyftpdlib tnftp \
  m4 \
  libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0 libcrypt1 \
  libevent-2.1-7 libpam0g libssl3 zlib1g \
  libldap-2.5-0 liblockfile1 libsasl2-2 libwrap0

# Node.js: Debian's nodejs + npm unless a node with npm is already there
# (e.g. a NodeSource nodejs, which bundles npm and conflicts with Debian's npm).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get install -y -o DPkg::Lock::Timeout=900 --no-install-recommends nodejs npm
fi

# The three MTAs that cannot be installed side by side: download + unpack.
mkdir -p "$WILD_PKGS"
fetch_unpack() { # NAME PACKAGE...
  local name=$1; shift
  local dir=$WILD_PKGS/$name
  if [ -f "$dir/.done" ]; then return 0; fi
  rm -rf "$dir" "$WILD_PKGS/deb-$name"; mkdir -p "$dir" "$WILD_PKGS/deb-$name"
  (cd "$WILD_PKGS/deb-$name" && apt-get download "$@")
  local d
  for d in "$WILD_PKGS/deb-$name"/*.deb; do dpkg -x "$d" "$dir"; done
  touch "$dir/.done"
}
fetch_unpack exim4 exim4-daemon-light exim4-base
fetch_unpack opensmtpd opensmtpd
fetch_unpack sendmail sendmail-bin sendmail-base sendmail-cf
# popa3d (a POP3 server; its package would edit /etc/inetd.conf): unpacked too
fetch_unpack popa3d popa3d

# System users the unpacked MTAs were built to run as (their packages'
# postinst would create them), and OpenSMTPD's compiled-in chroot directory.
getent group Debian-exim >/dev/null || groupadd --system Debian-exim
getent passwd Debian-exim >/dev/null || useradd --system -g Debian-exim -d /nonexistent -s /usr/sbin/nologin Debian-exim
getent passwd opensmtpd >/dev/null || useradd --system -U -d /var/lib/opensmtpd/empty -s /usr/sbin/nologin opensmtpd
getent passwd opensmtpq >/dev/null || useradd --system -U -d /var/lib/opensmtpd/empty -s /usr/sbin/nologin opensmtpq
getent passwd smmsp >/dev/null || useradd --system -U -d /nonexistent -s /usr/sbin/nologin smmsp
getent passwd popa3d >/dev/null || useradd --system -U -d /var/lib/popa3d -s /usr/sbin/nologin popa3d
mkdir -p /var/lib/opensmtpd/empty /var/lib/popa3d

# Node.js SMTP server and client.
if [ ! -d "$WILD_PKGS/node/node_modules/smtp-server" ] || [ ! -d "$WILD_PKGS/node/node_modules/nodemailer" ]; then
  mkdir -p "$WILD_PKGS/node"
  npm install --prefix "$WILD_PKGS/node" --no-audit --no-fund smtp-server@3.21.6 nodemailer@10.6.1
fi
echo "deps-wild: ok ($WILD_PKGS)"
