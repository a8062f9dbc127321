#!/usr/bin/env bash
# Set up, build in release mode and run the main job on data it generates:
# a phantom map and two noisy half-maps written by emtools itself; their header, statistics and validation;
# pictures (projections along x, y, z and a gallery); the gold-standard FSC with a plot and a STAR file.
# Everything lands in ./demo (or $EMTOOLS_DEMO_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --static-swift-stdlib   # static Swift runtime: half the start-up time
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
out=${EMTOOLS_DEMO_DIR:-demo}
mkdir -p "$out"
et="$bin/emtools"
set -x
"$et" phantom "$out/phantom.mrc" --size 128 --angpix 1.2
"$et" phantom "$out/half1.mrc" --size 128 --angpix 1.2 --noise 0.08 --seed 1
"$et" phantom "$out/half2.mrc" --size 128 --angpix 1.2 --noise 0.08 --seed 2
"$et" header "$out/phantom.mrc"
"$et" stats "$out"/*.mrc
"$et" validate "$out"/*.mrc
"$et" project "$out/phantom.mrc" --axis all
"$et" project "$out/phantom.mrc" --angles 30,60,-10 --size 256
"$et" project "$out/phantom.mrc" "$out/half1.mrc" "$out/half2.mrc" --gallery "$out/gallery.png"
"$et" fsc "$out/half1.mrc" "$out/half2.mrc" --plot "$out/fsc.png" --star "$out/fsc.star"
"$et" star "$out/fsc.star"
set +x
echo
echo "Pictures, plot and STAR file are in $out/; emtools is at $et"
