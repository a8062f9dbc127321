#!/usr/bin/env bash
# Install what emtools needs on Debian 12, idempotently and without questions.
#   scripts/install-deps.sh          build dependencies (C libraries, fonts)
#   scripts/install-deps.sh --test   also the test counterparts: RELION, Slurm + munge, a Python venv
#                                    (.venv) with numpy, mrcfile, starfile and pillow
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS=(pkg-config libfftw3-dev libopenblas-dev liblapacke-dev libpng-dev libsqlite3-dev
            libcurl4-openssl-dev libcairo2-dev fonts-dejavu-core zlib1g-dev libbz2-dev)
TEST_PKGS=(relion python3-venv slurmctld slurmd slurm-client munge cron ghostscript)

want=("${BUILD_PKGS[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  # Installing slurm/munge must not start their services on this machine: the tests start their own.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
fi

if [[ "${1:-}" == "--test" ]]; then
  if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import numpy, mrcfile, starfile, PIL' 2>/dev/null; then
    echo "Creating the test Python environment in .venv (numpy, mrcfile, starfile, pillow)"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check numpy mrcfile starfile pillow
  fi
fi
