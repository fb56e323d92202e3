#!/usr/bin/env bash
# Installs the system packages Heurist uses, where it can (root + apt):
#   bubblewrap      the sandbox for user code
#   docker-compose  validates docker-compose.yml in the tests (no Docker engine needed)
# and with --test:
#   chromium        the browser of the web UI's end-to-end tests (/usr/bin/chromium)
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
else
  echo "missing system packages: ${missing[*]} — install them with your package manager" >&2
  exit 1
fi
