import EMCore
import Foundation
import TestSupport
@testable import Watcher

/// A tiny RELION 3.1.3 project made once per test run by RELION itself, shared by the report tests:
/// two phantoms (the asymmetric `Phantom` and the same without its +y blob), 100 + 60 noisy projections
/// (`relion_project --nr_uniform --add_noise`), then Extract (`relion_preprocess --extract` from two
/// synthetic micrographs), Class2D (K = 4, 5 iterations), Class3D (K = 2, 4 iterations), InitialModel
/// (SGD, 3 iterations), Refine3D (`relion_refine_mpi --auto_refine --split_random_halves`), MaskCreate and
/// PostProcess (`relion_postprocess` with that mask). 32-pixel box at 3 Å/pixel, so each step takes seconds.
final class RelionProject: @unchecked Sendable {
    /// The shared project (made on first use; removed when the test process exits). While developing, set
    /// `EMTOOLS_RELION_PROJECT=/some/folder` to make it there once and keep it for later runs.
    static let shared: Result<RelionProject, Error> = {
        if let kept = ProcessInfo.processInfo.environment["EMTOOLS_RELION_PROJECT"], !kept.isEmpty {
            if FileManager.default.fileExists(atPath: kept + "/PostProcess/job008/postprocess.star") { return .success(RelionProject(existing: kept)) }
            try? FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
            return Result { try RelionProject(root: kept) }
        }
        let r = Result { try RelionProject(root: TestEnv.temporaryDirectory("reports-relion")) }
        if case .success = r { atexit { if case .success(let p) = RelionProject.shared { TestEnv.removeTemporary(p.root) } } }
        return r
    }()

    /// A project made by an earlier run.
    private init(existing root: String) { self.root = root }

    let root: String

    static let angpix = 3.0
    static let box = 32

    init(root: String) throws {
        self.root = root
        try makeParticles()
        try extract()
        try refine("Class2D/job003/", ["--K", "4", "--iter", "5", "--tau2_fudge", "2", "--psi_step", "10"])
        try refine("Class3D/job004/", ["--ref", "ref.mrc", "--ini_high", "30", "--K", "2", "--iter", "4", "--tau2_fudge", "4",
                                       "--healpix_order", "1", "--sym", "C1", "--firstiter_cc"])
        try refine("InitialModel/job005/", ["--sgd", "--denovo_3dref", "--K", "2", "--sym", "C1", "--healpix_order", "1",
                                            "--sgd_ini_iter", "1", "--sgd_inbetween_iter", "1", "--sgd_fin_iter", "1",
                                            "--sgd_ini_subset", "40", "--sgd_fin_subset", "60", "--sgd_ini_resol", "30",
                                            "--sgd_fin_resol", "20", "--sgd_write_iter", "1"])
        try refine("Refine3D/job006/", ["--auto_refine", "--split_random_halves", "--ref", "ref.mrc", "--ini_high", "30",
                                        "--healpix_order", "1", "--auto_local_healpix_order", "3", "--sym", "C1",
                                        "--low_resol_join_halves", "40", "--auto_ignore_angles", "--auto_resol_angles"], mpi: true)
        try job("MaskCreate/job007/", TestEnv.relion("relion_mask_create"),
                ["--i", "ref.mrc", "--o", "MaskCreate/job007/mask.mrc", "--ini_threshold", "0.1", "--extend_inimask", "2",
                 "--width_soft_edge", "3", "--angpix", "\(Self.angpix)"])
        // RELION 3.1.3 may abort while drawing its EPS plots after writing the maps and the STAR file.
        try job("PostProcess/job008/", TestEnv.relion("relion_postprocess"),
                ["--i", "Refine3D/job006/run_half1_class001_unfil.mrc", "--i2", "Refine3D/job006/run_half2_class001_unfil.mrc",
                 "--mask", "MaskCreate/job007/mask.mrc", "--angpix", "\(Self.angpix)", "--adhoc_bfac", "-50",
                 "--o", "PostProcess/job008/postprocess"], mustSucceed: false)
        for f in ["PostProcess/job008/postprocess.star", "PostProcess/job008/postprocess.mrc", "Refine3D/job006/run_model.star"] {
            guard FileManager.default.fileExists(atPath: root + "/" + f) else { throw TestFailure("RELION wrote no \(f)") }
        }
    }

    /// The job context of `name` (e.g. `Refine3D/job006/`) in this project.
    func context(_ name: String, _ label: String, state: JobState = .finished, style: PictureStyle = .projection) -> JobContext {
        JobContext(projectPath: root, jobName: name, type: JobType(label: label), state: state, pictureStyle: style)
    }

    /// What RELION printed for job `name` (its `run.out`).
    func stdout(_ name: String) -> String { (try? String(contentsOfFile: root + "/" + name + "run.out", encoding: .utf8)) ?? "" }

    // MARK: steps

    private func makeParticles() throws {
        let a = Phantom.blobs(n: Self.box, voxelSize: Self.angpix)
        var blobs = Phantom.asymmetricBlobs(n: Self.box)
        blobs.remove(at: 2)
        let b = Phantom.blobs(n: Self.box, voxelSize: Self.angpix, blobs: blobs)
        try MRCWriter.write(a, to: root + "/ref.mrc")
        try MRCWriter.write(b, to: root + "/refB.mrc")
        for (map, out, n) in [("ref.mrc", "projA", 100), ("refB.mrc", "projB", 60)] {
            try run(TestEnv.relion("relion_project"), ["--i", map, "--o", out, "--nr_uniform", "\(n)", "--angpix", "\(Self.angpix)",
                                                       "--add_noise", "--white_noise", "0.5"])
        }
        // One particle file: projA's, with projB's rows appended (same columns).
        let first = try String(contentsOfFile: root + "/projA.star", encoding: .utf8)
        let second = try String(contentsOfFile: root + "/projB.star", encoding: .utf8)
        let rows = second.split(separator: "\n").filter { $0.contains("@projB.mrcs") }
        try (first.trimmingCharacters(in: .whitespacesAndNewlines) + "\n" + rows.joined(separator: "\n") + "\n")
            .write(toFile: root + "/particles.star", atomically: true, encoding: .utf8)
    }

    /// Extract: two 200 × 200 micrographs of noise with nine projections pasted into each, extracted by RELION.
    private func extract() throws {
        try FileManager.default.createDirectory(atPath: root + "/Mics", withIntermediateDirectories: true)
        let stack = try MRCFile.open(root + "/projA.mrcs")
        var rng = SplitMix64(seed: 7)
        for m in 1 ... 2 {
            var mic = Volume(size: GridSize(200, 200, 1), voxelSize: VoxelSize(isotropic: Self.angpix))
            for i in mic.data.indices { mic.data[i] = Float(rng.nextGaussian()) }
            var coords = ""
            for k in 0 ..< 9 {
                let x = 40 + 60 * (k % 3), y = 40 + 60 * (k / 3)
                let p = try stack.slice(across: .z, at: (m - 1) * 9 + k)
                for j in 0 ..< Self.box { for i in 0 ..< Self.box { mic[x - 16 + i, y - 16 + j, 0] += p[i, j] } }
                coords += "\(x) \(y)\n"
            }
            try MRCWriter.write(mic, to: root + "/Mics/mic\(m).mrc")
            try ("\ndata_\n\nloop_\n_rlnCoordinateX #1\n_rlnCoordinateY #2\n" + coords).write(toFile: root + "/Mics/mic\(m)_pick.star", atomically: true, encoding: .utf8)
        }
        try """

        data_optics

        loop_
        _rlnOpticsGroup #1
        _rlnOpticsGroupName #2
        _rlnVoltage #3
        _rlnSphericalAberration #4
        _rlnAmplitudeContrast #5
        _rlnMicrographPixelSize #6
        1 opticsGroup1 300 2.7 0.1 \(Self.angpix)

        data_micrographs

        loop_
        _rlnMicrographName #1
        _rlnOpticsGroup #2
        Mics/mic1.mrc 1
        Mics/mic2.mrc 1

        """.write(toFile: root + "/mics.star", atomically: true, encoding: .utf8)
        try job("Extract/job002/", TestEnv.relion("relion_preprocess"),
                ["--i", "mics.star", "--coord_dir", ".", "--coord_suffix", "_pick.star", "--part_star", "Extract/job002/particles.star",
                 "--part_dir", "Extract/job002/", "--extract", "--extract_size", "\(Self.box)", "--norm", "--bg_radius", "12"])
    }

    /// `relion_refine` (or `relion_refine_mpi` on 3 ranks) on the particles with the shared fast options.
    private func refine(_ name: String, _ options: [String], mpi: Bool = false) throws {
        let common = ["--i", "particles.star", "--o", name + "run", "--particle_diameter", "80", "--zero_mask", "--flatten_solvent",
                      "--oversampling", "1", "--offset_range", "3", "--offset_step", "2", "--dont_combine_weights_via_disc",
                      "--pool", "30", "--pad", "2", "--dont_check_norm", "--j", mpi ? "1" : "2"]
        if mpi {
            try job(name, "/usr/bin/mpirun", ["--allow-run-as-root", "--oversubscribe", "--mca", "mpi_yield_when_idle", "1", "-np", "3",
                                              TestEnv.relion("relion_refine_mpi")] + common + options)
        } else {
            try job(name, TestEnv.relion("relion_refine"), common + options)
        }
    }

    /// Run a RELION program for job `name` in the project folder, keeping its output as the job's
    /// `run.out` / `run.err`, as the RELION GUI does, and marking success with `RELION_JOB_EXIT_SUCCESS`.
    private func job(_ name: String, _ program: String, _ arguments: [String], mustSucceed: Bool = true) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        let r = try run(program, arguments, mustSucceed: mustSucceed)
        try r.stdout.write(toFile: root + "/" + name + "run.out", atomically: true, encoding: .utf8)
        try r.stderr.write(toFile: root + "/" + name + "run.err", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: root + "/" + name + "RELION_JOB_EXIT_SUCCESS", contents: nil)
    }

    @discardableResult
    private func run(_ program: String, _ arguments: [String], mustSucceed: Bool = true) throws -> TestEnv.ProcessResult {
        let r = try TestEnv.run(program, arguments, currentDirectory: root)
        if mustSucceed && r.status != 0 {
            throw TestFailure("\((program as NSString).lastPathComponent) failed (\(r.status)): \(r.stderr.suffix(600))")
        }
        return r
    }
}

/// Checks on report attachments: PNGs that decode to the expected size.
enum ReportPNG {
    /// Decode `attachment` as PNG (through libpng) and return its pixel size.
    static func size(_ attachment: NoticeAttachment) throws -> (width: Int, height: Int) {
        let path = NSTemporaryDirectory() + "report-\(UUID().uuidString).png"
        try attachment.data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let png = try PNGFile.read(path, as: .rgb8)
        return (png.width, png.height)
    }

    /// Keep a copy of every attachment in `$EMTOOLS_REPORT_PICTURES` (when set), to look at them.
    static func keep(_ report: JobReport) {
        guard let dir = ProcessInfo.processInfo.environment["EMTOOLS_REPORT_PICTURES"], !dir.isEmpty else { return }
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for a in report.attachments { try? a.data.write(to: URL(fileURLWithPath: dir + "/" + a.filename)) }
    }
}
