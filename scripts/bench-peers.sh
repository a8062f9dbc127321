#!/usr/bin/env bash
# The benchmark against peers, in one command (docs/benchmarks.md):
#   scripts/bench-peers.sh            full run: 512³ maps, 256³/384³ half-maps, 100k/1M-row STAR files
#                                     (about 20–30 minutes on 2 cores); writes bench-results/peers.{md,json}
#                                     and Benchmarks/RESULTS.md (the README snippet)
#   scripts/bench-peers.sh --smoke    tiny sizes, one run each (about a minute); bench-results/peers-smoke.*
# Extra arguments go to Benchmarks/peers/run_peers.py (e.g. --only stats, --runs 7).
# Data is generated once into bench-data/ (git-ignored; ~2.5 GB for the full run); the peers (mrcfile, numpy, polars,
# starfile, starfile-rs, gemmi, Pillow) live in .venv-bench; RELION comes from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
for a in "$@"; do [[ "$a" == "--smoke" ]] && smoke=1; done

# emtools: a release build with the Swift runtime linked statically (start-up 16 → 7 ms: the dynamic loader
# otherwise resolves the Swift and Foundation libraries' symbols at every start); the smoke run reuses whatever
# build exists (scripts/test.sh has just made a debug one). EMTOOLS_BIN=path measures another binary.
if [[ -n "${EMTOOLS_BIN:-}" ]]; then
  emtools="$EMTOOLS_BIN"
elif ((smoke)) && [[ -x .build/debug/emtools ]]; then
  emtools=.build/debug/emtools
else
  swift build -c release --static-swift-stdlib --product emtools >&2
  emtools=.build/release/emtools
fi

# RELION and the C libraries from Debian (idempotent).
if ! command -v relion_image_handler >/dev/null || ! command -v cc >/dev/null; then
  scripts/install-deps.sh --test >&2
fi

# The peers, in a private venv.
venv=.venv-bench
peers=(numpy mrcfile starfile starfile-rs polars gemmi pillow)
if [[ ! -x $venv/bin/python ]] || ! $venv/bin/python -c 'import numpy, mrcfile, starfile, starfile_rs, polars, gemmi, PIL' 2>/dev/null; then
  echo "Installing the peers into $venv: ${peers[*]}" >&2
  python3 -m venv "$venv"
  if ! $venv/bin/pip install -q --disable-pip-version-check "${peers[@]}" >&2; then
    ((smoke)) || { echo "bench-peers: could not install the peers from PyPI" >&2; exit 1; }
    echo "bench-peers: could not install every peer; missing ones are reported as 'not installed'" >&2
  fi
fi

# The physical limits: tiny C programs against the same libraries emtools uses.
limits=bench-results/limits
mkdir -p "$limits"
src=Benchmarks/peers/limits
cc -O2 -o "$limits/read_file" "$src/read_file.c"
cc -O2 -o "$limits/fftw_r2c" "$src/fftw_r2c.c" $(pkg-config --cflags fftw3f) -lfftw3f_threads $(pkg-config --libs fftw3f) -lm -lpthread
cc -O2 -o "$limits/blas_pca" "$src/blas_pca.c" $(pkg-config --cflags openblas lapacke) $(pkg-config --libs lapacke openblas)

readme=()
((smoke)) || readme=(--readme Benchmarks/RESULTS.md)
python3 Benchmarks/peers/run_peers.py --emtools "$emtools" --python "$venv/bin/python" --limits "$limits" \
  "${readme[@]}" "$@"

# The README shows the table of the latest full run, between its bench-results markers (never typed by hand).
if ((!smoke)) && [[ -f Benchmarks/RESULTS.md ]]; then
  python3 - <<'PY'
import re
readme = open("README.md").read()
table = open("Benchmarks/RESULTS.md").read().strip()
table = re.sub(r"^## Benchmarks\n+", "", re.sub(r"^<!--.*?-->\n", "", table))
new = re.sub(r"(<!-- bench-results:begin -->\n).*?(<!-- bench-results:end -->)",
             lambda m: m.group(1) + table + "\n" + m.group(2), readme, flags=re.S)
open("README.md", "w").write(new)
PY
  echo "README.md: benchmark table updated from Benchmarks/RESULTS.md" >&2
fi
