#!/usr/bin/env bash
# Unpacks Debian's influxdb, victoria-metrics and prometheus packages into .tools/ (no root, no
# services): tests and drills start influxd, victoria-metrics and prometheus from there on free
# ports; promtool (in the prometheus package) checks metrics and configs.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools
cd .tools
for pkg in influxdb victoria-metrics prometheus; do
  if [ ! -d "$pkg" ]; then
    rm -f "${pkg}"_*.deb
    apt-get download "$pkg"
    dpkg -x "${pkg}"_*.deb "$pkg"
  fi
done
./influxdb/usr/bin/influxd version
./victoria-metrics/usr/bin/victoria-metrics -version
./prometheus/usr/bin/prometheus --version | head -1
./prometheus/usr/bin/promtool --version | head -1
