"""Write a small RELION 3.1 multi-body refinement project for tests.

usage: make_multibody_job.py PROJECT_DIR [N_PARTICLES] [SEED] [LAYOUT]

LAYOUT "pair" (default): two bodies, each rotating relative to the other (rlnBodyRotateRelativeTo).
LAYOUT "three": three bodies rotating relative to bodies 2, 1 and 1.
LAYOUT "centre": three bodies and no rlnBodyRotateRelativeTo, so each rotates about the box centre
(relion_flex_analyse 3.1.3 stops on such a bodies file with "Not same sizes in vector subtraction").

PROJECT_DIR/
  bodies.star                 the --multibody_masks file (two bodies, body 2 rotates relative to body 1)
  Masks/body1.mrc, body2.mrc  soft spherical masks (values 0..1) around two Gaussian blobs
  MultiBody/job001/           run_data.star (data_optics, data_particles, data_images_body_1/2),
                              run_model.star (model_general, model_bodies, model_groups, spectra),
                              run_body001.mrc, run_body002.mrc, job.star (fn_bodies), note.txt
Box 32 px, 2.0 A/px. Planted motion: a latent t ~ N(0,1) moves body 1 by +5 t degrees of rot and body 2
by -4 t degrees of psi and +3 t A along x, on top of independent noise.
"""
import os, sys
import numpy as np
import mrcfile

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
layout = sys.argv[4] if len(sys.argv) > 4 else "pair"
box, apix = 32, 2.0
job = os.path.join(out, "MultiBody", "job001")
os.makedirs(job, exist_ok=True)
os.makedirs(os.path.join(out, "Masks"), exist_ok=True)

z, y, x = np.mgrid[0:box, 0:box, 0:box] - box // 2
centres = [(-6, -1, 0), (6, 2, 1)] if layout == "pair" else [(-7, -1, 0), (6, 3, 1), (0, 1, -8)]
def blob(c, s):
    return np.exp(-((x - c[0])**2 + (y - c[1])**2 + (z - c[2])**2) / (2 * s * s))
full = sum((0.8 + 0.2 * i) * blob(c, 2.5 + 0.3 * i) for i, c in enumerate(centres)).astype(np.float32)
for b, c in enumerate(centres, 1):
    r = np.sqrt((x - c[0])**2 + (y - c[1])**2 + (z - c[2])**2)
    mask = np.clip((8.0 - r) / 3.0, 0, 1).astype(np.float32)   # 1 inside r<5, soft edge to r=8
    with mrcfile.new(os.path.join(out, "Masks", f"body{b}.mrc"), overwrite=True) as m:
        m.set_data(mask); m.voxel_size = apix
    with mrcfile.new(os.path.join(job, f"run_body{b:03d}.mrc"), overwrite=True) as m:
        m.set_data(full); m.voxel_size = apix

with open(os.path.join(out, "bodies.star"), "w") as f:
    if layout == "pair":
        f.write("data_\nloop_\n_rlnBodyMaskName\n_rlnBodyRotateRelativeTo\n_rlnBodySigmaAngles\n_rlnBodySigmaOffsetAngst\n")
        f.write("Masks/body1.mrc 2 10 2\nMasks/body2.mrc 1 10 2\n")
    elif layout == "three":
        f.write("data_\nloop_\n_rlnBodyMaskName\n_rlnBodyRotateRelativeTo\n_rlnBodySigmaAngles\n_rlnBodySigmaOffsetAngst\n")
        f.write("Masks/body1.mrc 2 10 2\nMasks/body2.mrc 1 10 2\nMasks/body3.mrc 1 10 2\n")
    else:
        f.write("data_\nloop_\n_rlnBodyMaskName\n_rlnBodySigmaAngles\n_rlnBodySigmaOffsetAngst\n")
        for b in range(1, len(centres) + 1):
            f.write(f"Masks/body{b}.mrc 10 2\n")

t = rng.standard_normal(n)
rot, tilt, psi = rng.uniform(-180, 180, n), np.degrees(np.arccos(rng.uniform(-1, 1, n))), rng.uniform(-180, 180, n)
bodies = []
b1 = dict(rot=5 * t + 1.0 * rng.standard_normal(n), tilt=90 + 1.5 * rng.standard_normal(n), psi=1.2 * rng.standard_normal(n),
          x=0.8 * rng.standard_normal(n), y=0.8 * rng.standard_normal(n))
b2 = dict(rot=1.0 * rng.standard_normal(n), tilt=90 + 2.0 * rng.standard_normal(n), psi=-4 * t + 1.0 * rng.standard_normal(n),
          x=3 * t + 0.8 * rng.standard_normal(n), y=0.8 * rng.standard_normal(n))
bodies = [b1, b2]
if layout != "pair":
    bodies.append(dict(rot=2 * t + 2.0 * rng.standard_normal(n), tilt=90 + 3 * t + 1.0 * rng.standard_normal(n),
                       psi=1.5 * rng.standard_normal(n), x=0.5 * rng.standard_normal(n), y=-2 * t + 0.6 * rng.standard_normal(n)))
with open(os.path.join(job, "run_data.star"), "w") as f:
    f.write("\n# version 30001\n\ndata_optics\n\nloop_\n")
    for i, c in enumerate(["rlnOpticsGroupName", "rlnOpticsGroup", "rlnMicrographOriginalPixelSize", "rlnVoltage",
                           "rlnSphericalAberration", "rlnAmplitudeContrast", "rlnImagePixelSize", "rlnImageSize",
                           "rlnImageDimensionality"], 1):
        f.write(f"_{c} #{i}\n")
    f.write(f"opticsGroup1 1 {apix} 300 2.7 0.1 {apix} {box} 2\n\n")
    f.write("\n# version 30001\n\ndata_particles\n\nloop_\n")
    cols = ["rlnImageName", "rlnMicrographName", "rlnCoordinateX", "rlnCoordinateY", "rlnAngleRot", "rlnAngleTilt",
            "rlnAnglePsi", "rlnOriginXAngst", "rlnOriginYAngst", "rlnDefocusU", "rlnDefocusV", "rlnDefocusAngle",
            "rlnOpticsGroup", "rlnGroupNumber", "rlnRandomSubset", "rlnClassNumber", "rlnNormCorrection"]
    for i, c in enumerate(cols, 1):
        f.write(f"_{c} #{i}\n")
    for p in range(n):
        f.write(f"{p + 1:06d}@Extract/job002/particles.mrcs Micrographs/m{p * 7 // n}.mrc {100 + p} {200 + p} "
                f"{rot[p]:.6f} {tilt[p]:.6f} {psi[p]:.6f} {rng.normal(0, 1.0):.6f} {rng.normal(0, 1.0):.6f} "
                f"10000 10100 30 1 1 {p % 2 + 1} 1 1.0\n")
    for b, d in enumerate(bodies, 1):
        f.write(f"\n# version 30001\n\ndata_images_body_{b}\n\nloop_\n")
        bc = ["rlnAngleRot", "rlnAngleTilt", "rlnAnglePsi", "rlnOriginXAngst", "rlnOriginYAngst"]
        for i, c in enumerate(bc, 1):
            f.write(f"_{c} #{i}\n")
        for p in range(n):
            f.write(f"{d['rot'][p]:.6f} {d['tilt'][p]:.6f} {d['psi'][p]:.6f} {d['x'][p]:.6f} {d['y'][p]:.6f}\n")

nshell = box // 2 + 1
with open(os.path.join(job, "run_model.star"), "w") as f:
    f.write("\n# version 30001\n\ndata_model_general\n\n")
    general = dict(rlnReferenceDimensionality=3, rlnDataDimensionality=2, rlnOriginalImageSize=box, rlnCurrentResolution=0.1,
                   rlnCurrentImageSize=box, rlnPaddingFactor=2, rlnIsHelix=0, rlnFourierSpaceInterpolator=1,
                   rlnMinRadiusNnInterpolation=10, rlnPixelSize=apix, rlnNrClasses=1, rlnNrBodies=len(centres), rlnNrGroups=1,
                   rlnTau2FudgeFactor=1, rlnNormCorrectionAverage=1, rlnSigmaOffsetsAngst=2, rlnOrientationalPriorMode=0,
                   rlnSigmaPriorRotAngle=0, rlnSigmaPriorTiltAngle=0, rlnSigmaPriorPsiAngle=0, rlnLogLikelihood=0,
                   rlnAveragePmax=0.5)
    for k, v in general.items():
        f.write(f"_{k} {v}\n")
    f.write("\n# version 30001\n\ndata_model_bodies\n\nloop_\n")
    for i, c in enumerate(["rlnReferenceImage", "rlnClassDistribution", "rlnAccuracyRotations",
                           "rlnAccuracyTranslationsAngst", "rlnEstimatedResolution", "rlnOverallFourierCompleteness"], 1):
        f.write(f"_{c} #{i}\n")
    for b in range(1, len(centres) + 1):
        f.write(f"MultiBody/job001/run_body{b:03d}.mrc 1.0 2.0 1.0 8.0 1.0\n")
    f.write("\n# version 30001\n\ndata_model_groups\n\nloop_\n_rlnGroupNumber #1\n_rlnGroupName #2\n"
            f"_rlnGroupNrParticles #3\n_rlnGroupScaleCorrection #4\n1 group_1 {n} 1.0\n")
    for b in range(1, len(centres) + 1):
        f.write(f"\n# version 30001\n\ndata_model_body_{b}\n\nloop_\n_rlnSpectralIndex #1\n_rlnResolution #2\n"
                "_rlnAngstromResolution #3\n_rlnSsnrMap #4\n_rlnGoldStandardFsc #5\n_rlnFourierCompleteness #6\n"
                "_rlnReferenceSigma2 #7\n_rlnReferenceTau2 #8\n_rlnSpectralOrientabilityContribution #9\n")
        for s in range(nshell):
            res = s / (box * apix)
            f.write(f"{s} {res:.6f} {999 if s == 0 else 1 / res:.4f} 1.0 0.9 1.0 1.0 1.0 0.0\n")
    f.write("\n# version 30001\n\ndata_model_group_1\n\nloop_\n_rlnSpectralIndex #1\n_rlnResolution #2\n_rlnSigma2Noise #3\n")
    for s in range(nshell):
        f.write(f"{s} {s / (box * apix):.6f} 1.0\n")

with open(os.path.join(job, "job.star"), "w") as f:
    f.write("\n# version 30001\n\ndata_job\n\n_rlnJobType 14\n_rlnJobIsContinue 0\n\n"
            "# version 30001\n\ndata_joboptions_values\n\nloop_\n_rlnJobOptionVariable #1\n_rlnJobOptionValue #2\n"
            "fn_bodies bodies.star\nfn_in Refine3D/job000/run_it010_data.star\n")
with open(os.path.join(job, "note.txt"), "w") as f:
    f.write(" ++++ Executing new job on Mon Dec  1 12:00:00 2026\n ++++ with the following command(s): \n"
            "`which relion_refine` --continue Refine3D/job000/run_it010_optimiser.star --o MultiBody/job001/run "
            "--multibody_masks bodies.star --solvent_correct_fsc --oversampling 1 --pad 2\n ++++ \n")
