#!/usr/bin/env bash
# Installs what roofcast needs on a Debian 12 machine, as root (or through
# sudo). Only missing packages are installed; a machine that has them all is
# left untouched. Besides Debian packages, the ONNX Runtime runner's npm
# package (pinned in runners/onnxruntime/package-lock.json) is installed from
# the npm registry when it is missing.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler
  libeigen3-dev nlohmann-json3-dev libgsl-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  librsvg2-bin hyperfine
)

# Node.js and npm for the ONNX Runtime runner, unless some node is already on PATH.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  packages+=(nodejs npm)
fi

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

# The ONNX Runtime runner: onnxruntime-node at the version package-lock.json pins.
# --ignore-scripts: its install script would download GPU binaries; the CPU ones ship in the package.
runner_dir="$(cd "$(dirname "$0")/.." && pwd)/runners/onnxruntime"
wanted="$(node -p "require('$runner_dir/package.json').dependencies['onnxruntime-node']")"
installed="$(node -p "try { require('$runner_dir/node_modules/onnxruntime-node/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$wanted" ]; then
  echo "setup: installing onnxruntime-node $wanted for the runner (npm ci --ignore-scripts)"
  (cd "$runner_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
else
  echo "setup: onnxruntime-node $wanted present"
fi
