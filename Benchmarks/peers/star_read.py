"""Peers of `emtools star FILE`: read a RELION particles STAR file with starfile, starfile-rs or gemmi.

Each reader is used as its documentation shows; the row count of data_particles is printed so that the
work cannot be skipped. With --count-by COLUMN, the rows per value of COLUMN are counted too.
Usage: star_read.py starfile|starfile_rs|gemmi FILE [--count-by COLUMN]
"""
import sys

tool, path = sys.argv[1], sys.argv[2]
count_by = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--count-by" else None

if tool == "starfile":
    import starfile
    particles = starfile.read(path, always_dict=True)["particles"]
    print("rows", len(particles))
    if count_by:
        print(particles[count_by].value_counts().sort_index().to_string())
elif tool == "starfile_rs":
    import starfile_rs
    # Its fastest path: the loop block straight to a polars DataFrame.
    particles = starfile_rs.read_star(path)["particles"].trust_loop().to_polars()
    print("rows", particles.height)
    if count_by:
        print(particles[count_by].value_counts(sort=True))
elif tool == "gemmi":
    from collections import Counter

    import gemmi
    block = gemmi.cif.read_file(path).find_block("particles")
    column = block.find_values("_rlnCoordinateX")
    print("rows", len(column))
    if count_by:
        print(sorted(Counter(block.find_values("_" + count_by)).items()))
else:
    sys.exit("unknown STAR reader " + tool)
