#!/usr/bin/env bash
# Debian's chromium and a CJK font for the Playwright tests; never a downloaded browser build.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
chromium --version 2>/dev/null | head -n 1 || true
