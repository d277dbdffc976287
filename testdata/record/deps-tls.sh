#!/usr/bin/env bash
# Install everything testdata/record/tls.sh needs on a fresh Debian 12 (run as root).
# Exim is NOT installed as the system MTA (it conflicts with Postfix): tls.sh
# fetches exim4-daemon-light with `apt-get download` and unpacks it with
# `dpkg -x` into its scratch directory (see exim_unpack in tls.sh); this
# script only makes sure apt can find it and that its libraries are present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask debconf questions and must not start a system instance
# that binds port 25 in the host namespace (the rig runs its own private one).
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string mx.example.net" | debconf-set-selections
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends \
  iproute2 ethtool procps \
  tcpdump tshark wireshark-common \
  postfix \
  openssl gnutls-bin ca-certificates \
  swaks libnet-ssleay-perl libio-socket-ssl-perl \
  msmtp \
  python3 \
  libgnutls30 libgnutls-dane0 libpcre2-8-0 libdb5.3 libidn12 libidn2-0 libnsl2 libcrypt1
