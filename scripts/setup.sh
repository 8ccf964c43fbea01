#!/usr/bin/env bash
# Installs what roofcast needs on a Debian 12 machine, as root (or through
# sudo). Only missing packages are installed; a machine that has them all is
# left untouched. Nothing else is downloaded.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler
  libeigen3-dev nlohmann-json3-dev libgsl-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  librsvg2-bin hyperfine
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#packages[@]} Debian packages present"
fi
