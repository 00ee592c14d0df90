#!/usr/bin/env bash
# The CJK font that PDFs embed and pages render with (fonts-wqy-microhei), and poppler-utils, whose pdftotext the
# PDF tests read back: Debian packages, installed before the demo serves and before the first pytest pass.
set -euo pipefail
need=()
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)
if [ "${1:-}" = "--with-poppler" ]; then
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
