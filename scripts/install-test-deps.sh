#!/usr/bin/env bash
# Installs the Debian packages citywifi's tests and benchmark use, if missing:
#   chromium          headless browser for the portal's end-to-end tests
#   freeradius-utils  radclient, a RADIUS client nobody here wrote (interop tests)
#   freeradius        the server the benchmark compares against
#   freeradius-postgresql  its rlm_sql driver: the benchmark's FreeRADIUS+SQL peer
#   postgresql-client psql, used by tests that poke the database as an operator would
#   prometheus        promtool, which checks and unit-tests deploy/prometheus/ (test/privacy/prometheus.test.ts)
#   poppler-utils     pdftotext and pdftoppm: the statistics PDF read back as text and as pictures
# PostgreSQL itself is expected to run already (TEST_DATABASE_URL, default
# postgresql://postgres@127.0.0.1:5432/test). Run as root or with sudo.
set -euo pipefail

packages=(chromium freeradius-utils freeradius freeradius-common freeradius-postgresql postgresql-client prometheus poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts freeradius after installing it; the benchmark runs its own copy.
$SUDO systemctl disable --now freeradius >/dev/null 2>&1 || $SUDO service freeradius stop >/dev/null 2>&1 || true
pkill -x freeradius 2>/dev/null || true
# Likewise prometheus: the tests only need its promtool.
$SUDO systemctl disable --now prometheus >/dev/null 2>&1 || $SUDO service prometheus stop >/dev/null 2>&1 || true
echo "installed: ${missing[*]}"
