#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing.
# `npm test` runs this first, so a fresh machine needs only `npm ci && npm test`.
# Where it cannot install (not root, no apt-get), it fails and says what to install.
set -euo pipefail

needed=(chromium)
# (Browser and S3 tests add their packages here: chromium, swift, memcached.)

missing=()
for pkg in "${needed[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The test suite needs these system packages: ${missing[*]}" >&2
  echo "Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run npm test again." >&2
  exit 1
fi
echo "Installing system packages for the tests: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
