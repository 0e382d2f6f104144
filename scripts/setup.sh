#!/usr/bin/env bash
# Installs the Debian packages the project builds against (libelf, libdw) and uses (xz; gdb's
# gcore for the corpus of live-process cores).
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
for p in libelf-dev libdw-dev pkg-config xz-utils gdb; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
