#!/bin/sh
# deps.sh — what the service benchmarks need beyond tests/deps.sh: nginx from Debian (the
# reference server of tests/bench/bench_read.sh). Installs nginx-light when no nginx is
# installed, without starting the system's nginx service (the benchmark runs its own, as an
# unprivileged configuration in a temporary directory). Run as root or with sudo.
set -eu
command -v nginx >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/nginx ] && exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "installing: nginx-light"
# invoke-rc.d asks policy-rc.d whether to start a service it installs: 101 says no
policy=/usr/sbin/policy-rc.d
added=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  added=1
fi
rc=0
$sudo apt-get update -q >/dev/null || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends nginx-light \
  || rc=$?
[ $added -eq 0 ] || $sudo rm -f "$policy"
exit $rc
