#!/usr/bin/env bash
# Debian packages the app and its tests use beyond Python: CJK fonts for the PDF documents,
# and (with --browser) Chromium for the end-to-end tests. Installed only when missing.
set -uo pipefail

want=()
# not `fc-list | grep -q`: grep -q stops reading early and, under pipefail, the pipeline then
# fails with fc-list's SIGPIPE, reporting an installed font as missing
fonts=$(fc-list 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || want+=(fonts-noto-cjk)
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then want+=(chromium); fi
[ ${#want[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "!!! missing Debian packages: ${want[*]} (install them as root: apt-get install ${want[*]})"
  exit 0
fi
echo "installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${want[@]}" >/dev/null 2>&1 || {
  apt-get update -q >/dev/null 2>&1
  apt-get install -y -q "${want[@]}" >/dev/null || echo "!!! could not install ${want[*]}"
}
exit 0
