#!/bin/sh
# Installs the Debian 12 packages the build and the tests need, when missing.
# Run as root (or with sudo available).
set -eu
pkgs="build-essential cmake pkg-config clang libclang-rt-14-dev
      libxml2-dev libxml2-utils libssl-dev openssl libcmocka-dev libsqlite3-dev zlib1g-dev libmicrohttpd-dev libgnutls28-dev curl
      python3 python3-jsonschema python3-cryptography chromium"
missing=
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing:$missing"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
