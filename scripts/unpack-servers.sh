#!/usr/bin/env bash
# Unpacks Debian's influxdb and victoria-metrics packages into .tools/ (no root, no services):
# tests and drills start influxd and victoria-metrics from there on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools
cd .tools
for pkg in influxdb victoria-metrics; do
  if [ ! -d "$pkg" ]; then
    rm -f "${pkg}"_*.deb
    apt-get download "$pkg"
    dpkg -x "${pkg}"_*.deb "$pkg"
  fi
done
./influxdb/usr/bin/influxd version
./victoria-metrics/usr/bin/victoria-metrics -version
