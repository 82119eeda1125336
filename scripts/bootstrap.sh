#!/usr/bin/env bash
# Installs the Debian packages hloc needs (when missing), then configures and builds into
# build/ (and build-asan/ with ASAN=1). Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(llvm-19-dev libffi-dev check meson ninja-build pkg-config gcc libc6-dev python3)
pkgs+=(chromium fonts-liberation) # tests/passes/html_chromium.py renders the HTML dump headless
[ "${BENCH:-0}" = 1 ] && pkgs+=(libopenblas-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build() { # dir, extra meson options...
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >/dev/null
    fi
    ninja -C "$dir" >/dev/null
}
build build
if [ "${ASAN:-0}" = 1 ]; then
    build build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
