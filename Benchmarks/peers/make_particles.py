#!/usr/bin/env python3
"""Write a RELION 3.1 particles STAR file (data_optics + data_particles, 25 columns) with N rows.

Python standard library only, seeded, so every machine gets the same file.
Usage: make_particles.py N OUT.star
"""
import os
import random
import sys

COLUMNS = [
    "rlnCoordinateX", "rlnCoordinateY", "rlnAnglePsi", "rlnClassNumber", "rlnAutopickFigureOfMerit",
    "rlnImageName", "rlnMicrographName", "rlnOpticsGroup", "rlnCtfMaxResolution", "rlnCtfFigureOfMerit",
    "rlnDefocusU", "rlnDefocusV", "rlnDefocusAngle", "rlnCtfBfactor", "rlnCtfScalefactor", "rlnPhaseShift",
    "rlnGroupNumber", "rlnAngleRot", "rlnAngleTilt", "rlnOriginXAngst", "rlnOriginYAngst",
    "rlnNormCorrection", "rlnLogLikeliContribution", "rlnMaxValueProbDistribution", "rlnNrOfSignificantSamples",
]

# The numeric columns a PCA task can use (all vary from row to row).
PCA_COLUMNS = ["rlnCoordinateX", "rlnCoordinateY", "rlnAnglePsi", "rlnAutopickFigureOfMerit", "rlnCtfMaxResolution",
               "rlnCtfFigureOfMerit", "rlnDefocusU", "rlnDefocusV", "rlnDefocusAngle", "rlnAngleRot",
               "rlnAngleTilt", "rlnNormCorrection"]

HEADER = """
# version 30001

data_optics

loop_
_rlnOpticsGroupName #1
_rlnOpticsGroup #2
_rlnMicrographOriginalPixelSize #3
_rlnVoltage #4
_rlnSphericalAberration #5
_rlnAmplitudeContrast #6
_rlnImagePixelSize #7
_rlnImageSize #8
_rlnImageDimensionality #9
opticsGroup1 1 0.885000 300.000000 2.700000 0.100000 1.770000 256 2


# version 30001

data_particles

loop_
"""

ROW = ("%.6f %.6f %.6f %d %.6f %06d@Extract/job007/Movies/mic_%05d.mrcs MotionCorr/job002/Movies/mic_%05d.mrc 1 "
       "%.6f %.6f %.6f %.6f %.6f 0.000000 1.000000 0.000000 %d %.6f %.6f %.6f %.6f %.6f %.6f %.6f %d \n")


def write(n, path):
    rnd = random.Random(7)
    u = rnd.random
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(HEADER)
        f.writelines("_%s #%d \n" % (c, i + 1) for i, c in enumerate(COLUMNS))
        chunk = []
        for r in range(n):
            mic = r // 500
            chunk.append(ROW % (4096 * u(), 4096 * u(), 360 * u() - 180, 1 + r % 5, u(), r % 500 + 1, mic, mic,
                                3 + 2 * u(), 0.1 * u(), 15000 + 10000 * u(), 15000 + 10000 * u(), 180 * u(),
                                1 + mic % 50, 360 * u() - 180, 180 * u(), 10 * u() - 5, 10 * u() - 5,
                                0.8 + 0.4 * u(), 1e5 * u(), u(), 1 + r % 30))
            if len(chunk) == 10000:
                f.writelines(chunk)
                chunk = []
        f.writelines(chunk)
        f.write(" \n")
    os.replace(tmp, path)


if __name__ == "__main__":
    write(int(sys.argv[1]), sys.argv[2])
