#!/usr/bin/env bash
# Install everything testdata/record/record.sh needs on a fresh Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask debconf questions and must not start a system instance
# that binds port 25 in the host namespace (the rig runs its own private one).
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string mx.example.net" | debconf-set-selections
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# swaks needs libnet-ssleay-perl for --tls and libio-socket-inet6-perl for IPv6
# (both only "Recommends", which --no-install-recommends leaves out).
apt-get update
apt-get install -y --no-install-recommends \
  iproute2 ethtool nftables \
  tcpdump tshark wireshark-common \
  postfix haproxy \
  swaks libnet-ssleay-perl libio-socket-inet6-perl \
  curl openssl ca-certificates procps \
  python3
