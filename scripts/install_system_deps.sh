#!/usr/bin/env bash
# Debian packages the tests need: chromium for the browser tests, and a CJK font so that
# the pages (and their screenshots) show Chinese rather than empty boxes.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo ">> installing Debian's chromium and a Chinese font (browser tests)"
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
  chromium fonts-wqy-microhei >/dev/null
