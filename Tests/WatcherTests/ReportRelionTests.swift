import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// Reports on real RELION 3.1.3 job folders (made once per run by `RelionProject`): each job type yields the
/// numbers RELION printed in `run.out` or wrote in its STAR files (read here by Python's `starfile`, not by
/// our parser), and PNGs that decode to the size of their layout.
@Suite(.serialized) struct ReportRelionTests {
    let project: RelionProject
    let pictures = ReportPictures()

    init() throws { project = try RelionProject.shared.get() }

    /// Gallery picture size for `n` panels in `columns` columns at the report defaults (192 px panels,
    /// 26 px labels: a 45 px label band, 8 px margins).
    func gallerySize(_ n: Int, columns: Int) -> (Int, Int) {
        let c = min(columns, n), r = (n + c - 1) / c
        return (8 + c * (192 + 8), 8 + r * (192 + 45 + 8))
    }

    /// A column of a STAR block read by Python's starfile.
    func starfile(_ path: String, block: String, column: String) throws -> [Double] {
        let out = try TestEnv.python("""
        import sys, starfile
        d = starfile.read(sys.argv[1], always_dict=True)[sys.argv[2]]
        print(' '.join(repr(float(v)) for v in (d[sys.argv[3]] if hasattr(d, 'columns') else [d[sys.argv[3]]])))
        """, [path, block, column])
        return out.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func field(_ r: JobReport, _ name: String) -> String? { r.fields.first { $0.name == name }?.value }

    /// The first number after `marker` in `text`.
    func number(after marker: String, in text: String) -> Double? {
        guard let range = text.range(of: marker, options: .backwards) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " || $0 == ":" }
        return Double(rest.prefix { $0.isNumber || $0 == "." || $0 == "-" })
    }

    @Test func extractCountsWhatRelionWrote() throws {
        let job = project.context("Extract/job002/", "relion.extract")
        let r = JobReports.report(for: job, pictures: pictures)
        let printed = try #require(number(after: "Written out STAR file with", in: project.stdout(job.jobName)))
        #expect(field(r, "Particles") == "\(Int(printed))")
        #expect(printed == 18)
        #expect(field(r, "Micrographs") == "2")
        #expect(field(r, "Box") == "32 px")
        let pixel = try #require(number(after: "particles in optics group 1 is", in: project.stdout(job.jobName)))
        #expect(field(r, "Pixel size") == String(format: "%.3f Å", pixel))
        #expect(r.problems.isEmpty)
    }

    @Test func class2DSortsTheGalleryByOccupancy() throws {
        let job = project.context("Class2D/job003/", "relion.class2d")
        let r = JobReports.report(for: job, pictures: pictures)
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(field(r, "Iteration") == "5")
        #expect(field(r, "Classes") == "4")
        let occ = try starfile(job.jobPath + "/run_it005_model.star", block: "model_classes", column: "rlnClassDistribution")
        #expect(occ.count == 4)
        let order = occ.indices.sorted { occ[$0] > occ[$1] }
        let expected = order.map { "#\($0 + 1) " + ReportText.percent(occ[$0]) }.joined(separator: ", ")
        #expect(r.lines.contains { $0.hasSuffix(expected) }, "\(r.lines) vs \(expected)")
        #expect(r.attachments.count == 1)
        let size = try ReportPNG.size(r.attachments[0])
        #expect(size == gallerySize(4, columns: 4))
    }

    @Test func class3DTableHistoryGalleryAndChangedParticles() throws {
        let job = project.context("Class3D/job004/", "relion.class3d")
        let r = JobReports.report(for: job, pictures: pictures)
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        let model = job.jobPath + "/run_it004_model.star"
        let occ = try starfile(model, block: "model_classes", column: "rlnClassDistribution")
        let res = try starfile(model, block: "model_classes", column: "rlnEstimatedResolution")
        let rot = try starfile(model, block: "model_classes", column: "rlnAccuracyRotations")
        #expect(occ.count == 2 && abs(occ.reduce(0, +) - 1) < 1e-3)
        let table = try #require(r.lines.first { $0.hasPrefix("Iteration 4:") })
        for k in 0 ..< 2 {
            #expect(table.contains("    \(k + 1)     \(ReportText.percent(occ[k]))  \(ReportText.angstrom(res[k]).padded(10))  \(String(format: "%.2f°", rot[k]))"), "\(table)")
        }
        // Changed class between iterations 3 and 4, counted by Python from RELION's data files.
        let changed = try TestEnv.python("""
        import sys, starfile
        a = starfile.read(sys.argv[1], always_dict=True)['particles']; b = starfile.read(sys.argv[2], always_dict=True)['particles']
        m = dict(zip(a['rlnImageName'], a['rlnClassNumber']))
        print(sum(1 for n, c in zip(b['rlnImageName'], b['rlnClassNumber']) if m[n] != c), len(b))
        """, [job.jobPath + "/run_it003_data.star", job.jobPath + "/run_it004_data.star"]).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(changed.count == 2 && changed[1] == 160)
        #expect(field(r, "Changed class")?.hasPrefix("\(changed[0]) of 160 (") == true, "\(String(describing: field(r, "Changed class"))) vs \(changed)")
        // Occupancy plot and one gallery of the two class maps.
        let names = r.attachments.map(\.filename)
        #expect(names == ["Class3D_job004_occupancy.png", "Class3D_job004_classes.png"])
        #expect(try ReportPNG.size(r.attachments[0]) == (720, 480))
        #expect(try ReportPNG.size(r.attachments[1]) == gallerySize(2, columns: 4))
        // Slices instead of projections: same layout, other pixels.
        let slices = JobReports.report(for: project.context("Class3D/job004/", "relion.class3d", style: .slice), pictures: pictures)
        #expect(slices.attachments.count == 2)
        #expect(slices.attachments[1].data != r.attachments[1].data)
        #expect(try ReportPNG.size(slices.attachments[1]) == gallerySize(2, columns: 4))
    }

    @Test func refine3DFinalResolutionIsWhatRelionPrinted() throws {
        let job = project.context("Refine3D/job006/", "relion.refine3d")
        let r = JobReports.report(for: job, pictures: pictures)
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        let printed = try #require(number(after: "Final resolution (without masking) is:", in: project.stdout(job.jobName)))
        #expect(field(r, "Resolution") == ReportText.angstrom(printed))
        let star = try starfile(job.jobPath + "/run_model.star", block: "model_general", column: "rlnCurrentResolution")
        // run.out prints six significant digits of the STAR value.
        #expect(star.count == 1 && abs(star[0] - printed) < 1e-4 * printed, "\(star) vs \(printed)")
        #expect(r.attachments.map(\.filename) == ["Refine3D_job006_fsc.png", "Refine3D_job006_map.png"])
        #expect(try ReportPNG.size(r.attachments[0]) == (720, 480))
        #expect(try ReportPNG.size(r.attachments[1]) == gallerySize(3, columns: 3))
    }

    @Test func refine3DWhileRunningReportsTheIterationReached() throws {
        // The same job seen before its final iteration: only the iteration files exist.
        let source = project.root + "/Refine3D/job006"
        let running = project.root + "/Refine3D/job106"
        try? FileManager.default.removeItem(atPath: running)
        try FileManager.default.createDirectory(atPath: running, withIntermediateDirectories: true)
        for it in 0 ... 2 {
            for f in ["run_it00\(it)_half1_model.star", "run_it00\(it)_optimiser.star"] where FileManager.default.fileExists(atPath: source + "/" + f) {
                try FileManager.default.copyItem(atPath: source + "/" + f, toPath: running + "/" + f)
            }
        }
        let r = JobReports.report(for: project.context("Refine3D/job106/", "relion.refine3d.helical", state: .running), pictures: pictures)
        let current = try starfile(running + "/run_it002_half1_model.star", block: "model_general", column: "rlnCurrentResolution")
        #expect(field(r, "Iteration") == "2")
        #expect(field(r, "Current resolution") == ReportText.angstrom(current[0]))
        #expect(r.attachments.isEmpty && r.problems.isEmpty)
    }

    @Test func postProcessResolutionBFactorAndFourCurves() throws {
        let job = project.context("PostProcess/job008/", "relion.postprocess")
        let r = JobReports.report(for: job, pictures: pictures)
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        let out = project.stdout(job.jobName)
        let printed = try #require(number(after: "FINAL RESOLUTION:", in: out))
        #expect(field(r, "Resolution") == ReportText.angstrom(printed))
        let bfactor = try starfile(job.jobPath + "/postprocess.star", block: "general", column: "rlnBfactorUsedForSharpening")
        #expect(bfactor == [-50])
        #expect(field(r, "B-factor") == "-50.0 Å²")
        #expect(field(r, "Mask") == "MaskCreate/job007/mask.mrc")
        #expect(r.attachments.map(\.filename) == ["PostProcess_job008_fsc.png", "PostProcess_job008_map.png"])
        #expect(try ReportPNG.size(r.attachments[0]) == (720, 480))
        #expect(try ReportPNG.size(r.attachments[1]) == gallerySize(3, columns: 3))
    }

    @Test func maskCreateAndInitialModelPictures() throws {
        let mask = JobReports.report(for: project.context("MaskCreate/job007/", "relion.maskcreate"), pictures: pictures)
        ReportPNG.keep(mask)
        #expect(mask.problems.isEmpty, "\(mask.problems)")
        #expect(field(mask, "Box") == "32×32×32 voxels at 3.000 Å")
        #expect(try mask.attachments.map(ReportPNG.size).map { [$0.0, $0.1] } == [[608, 253]])
        let initial = JobReports.report(for: project.context("InitialModel/job005/", "relion.initialmodel"), pictures: pictures)
        ReportPNG.keep(initial)
        #expect(initial.problems.isEmpty, "\(initial.problems)")
        #expect(field(initial, "Iteration") == "3")
        #expect(field(initial, "Classes") == "2")
        #expect(try initial.attachments.map(ReportPNG.size).map { [$0.0, $0.1] } == [[408, 253]])
    }

    @Test func aTruncatedMapBecomesAProblemLineAndTheRestStillGoesOut() throws {
        let source = project.root + "/Refine3D/job006"
        let broken = project.root + "/Refine3D/job206"
        try? FileManager.default.removeItem(atPath: broken)
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source + "/run_model.star", toPath: broken + "/run_model.star")
        let map = try Data(contentsOf: URL(fileURLWithPath: source + "/run_class001.mrc"))
        try map.prefix(5000).write(to: URL(fileURLWithPath: broken + "/run_class001.mrc"))
        let r = JobReports.report(for: project.context("Refine3D/job206/", "relion.refine3d"), pictures: pictures)
        #expect(field(r, "Resolution") != nil)
        #expect(r.attachments.map(\.filename) == ["Refine3D_job206_fsc.png"])
        #expect(r.problems.count == 1)
        #expect(r.problems.first?.hasPrefix("no picture of run_class001.mrc: \(broken)/run_class001.mrc") == true, "\(r.problems)")
    }

    @Test func picturesComeFromTheCacheUntilTheMapChanges() throws {
        let dir = TestEnv.temporaryDirectory("report-cache")
        defer { TestEnv.removeTemporary(dir) }
        let cache = PictureCache(directory: dir)
        let cached = ReportPictures(cache: cache)
        let job = project.context("Class3D/job004/", "relion.class3d")
        let first = JobReports.report(for: job, pictures: cached)
        #expect(cache.hits == 0 && cache.misses == 2)
        let second = JobReports.report(for: job, pictures: cached)
        #expect(cache.hits == 2 && cache.misses == 2)
        #expect(second == first)
        #expect(second == JobReports.report(for: job, pictures: pictures))
        // A rewritten map (new modification time) is drawn again; the other one still comes from the cache.
        let map = job.jobPath + "/run_it004_class001.mrc"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: map)
        _ = JobReports.report(for: job, pictures: cached)
        #expect(cache.hits == 3 && cache.misses == 3)
    }

    @Test func aFailedRelionJobShowsTheEndOfRunErr() throws {
        let name = "Class3D/job099/"
        let dir = project.root + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = try TestEnv.run(TestEnv.relion("relion_refine"), ["--i", "missing.star", "--o", name + "run", "--K", "2"], currentDirectory: project.root)
        #expect(r.status != 0)
        try r.stdout.write(toFile: dir + "run.out", atomically: true, encoding: .utf8)
        try r.stderr.write(toFile: dir + "run.err", atomically: true, encoding: .utf8)
        let report = JobReports.report(for: project.context(name, "relion.class3d", state: .failed), pictures: pictures)
        let err = try #require(report.lines.first { $0.hasPrefix("Last lines of run.err:") })
        #expect(err.contains("missing.star"), "\(err)")
        let lastErrLine = r.stderr.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        #expect(err.contains(lastErrLine))
        #expect(report.attachments.isEmpty)
    }
}
