#!/usr/bin/env bash
# Set up, build in release mode and run the main job on generated data:
# a phantom map written by emtools itself, its header, statistics and validation.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
bin=$(swift build -c release --show-bin-path)
out=${EMTOOLS_DEMO_DIR:-demo}
mkdir -p "$out"
"$bin/emtools" phantom "$out/phantom.mrc" --size 192 --angpix 1.2 --noise 0.05
"$bin/emtools" header "$out/phantom.mrc"
"$bin/emtools" stats "$out/phantom.mrc"
"$bin/emtools" validate "$out/phantom.mrc"
if "$bin/emtools" help project >/dev/null 2>&1; then
  "$bin/emtools" project "$out/phantom.mrc" --axis all
  echo "Pictures written next to $out/phantom.mrc"
fi
echo "emtools is at $bin/emtools"
