import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// Reports on the RELION 4.0 and 5.0 layouts (hand-made fixtures, see Fixtures/Reports/README.md), on
/// unknown kinds and on broken inputs.
@Suite struct ReportFixtureTests {
    static let fixtures = TestEnv.repoRoot + "/Tests/WatcherTests/Fixtures/Reports"

    /// A copy of fixture project `version` (e.g. `relion40`) in a temporary folder, with phantom maps written
    /// at `maps` (relative paths).
    func project(_ version: String, maps: [String] = []) throws -> String {
        let dir = TestEnv.temporaryDirectory("report-fixture")
        for item in try FileManager.default.contentsOfDirectory(atPath: Self.fixtures + "/" + version) {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + version + "/" + item, toPath: dir + "/" + item)
        }
        for (i, m) in maps.enumerated() {
            // Odd maps lack two of the phantom's blobs, so that the panels differ.
            let blobs = i % 2 == 1 ? Array(Phantom.asymmetricBlobs(n: 24).prefix(2)) : nil
            let v = Phantom.blobs(n: 24, voxelSize: 3, blobs: blobs, noise: 0.02, seed: UInt64(i + 1))
            try MRCWriter.write(v, to: dir + "/" + m)
        }
        return dir
    }

    func field(_ r: JobReport, _ name: String) -> String? { r.fields.first { $0.name == name }?.value }

    @Test func relion40InitialModelShowsClassesAndInitialModel() throws {
        let dir = try project("relion40", maps: ["InitialModel/job002/run_it100_class001.mrc", "InitialModel/job002/run_it100_class002.mrc",
                                                 "InitialModel/job002/initial_model.mrc"])
        defer { TestEnv.removeTemporary(dir) }
        let job = JobContext(projectPath: dir, jobName: "InitialModel/job002/", type: JobType(label: "relion.initialmodel"), state: .finished)
        let r = JobReports.report(for: job, pictures: ReportPictures())
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(field(r, "Iteration") == "100" && field(r, "Classes") == "2" && field(r, "Resolution") == "14.40 Å")
        #expect(r.attachments.count == 1)
        #expect(try ReportPNG.size(r.attachments[0]) == (8 + 3 * 200, 8 + 245))
    }

    @Test func relion50Class3DWithRowsInAnotherOrder() throws {
        let maps = (1 ... 3).map { String(format: "Class3D/job010/run_it025_class%03d.mrc", $0) }
        let dir = try project("relion50", maps: maps)
        defer { TestEnv.removeTemporary(dir) }
        let job = JobContext(projectPath: dir, jobName: "Class3D/job010/", type: JobType(label: "relion.class3d"), state: .finished)
        let r = JobReports.report(for: job, pictures: ReportPictures())
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(field(r, "Iteration") == "25")
        #expect(field(r, "Changed class") == "2 of 10 (20.0 %)")
        let table = try #require(r.lines.first)
        #expect(table.contains("    1     50.0 %      8.20 Å  3.10° / 0.90 Å"), "\(table)")
        #expect(table.contains("    3     20.0 %     12.20 Å  5.10° / 1.10 Å"), "\(table)")
        #expect(r.attachments.map(\.filename) == ["Class3D_job010_occupancy.png", "Class3D_job010_classes.png"])
        #expect(try ReportPNG.size(r.attachments[1]) == (8 + 3 * 200, 8 + 245))
    }

    @Test func runningClassificationsReportTheIterationOnly() throws {
        let dir = try project("relion50", maps: ["Class3D/job010/run_it025_class001.mrc"])
        defer { TestEnv.removeTemporary(dir) }
        for label in ["relion.class3d", "relion.class2d"] {
            let job = JobContext(projectPath: dir, jobName: "Class3D/job010/", type: JobType(label: label), state: .running)
            #expect(JobReports.report(for: job, pictures: ReportPictures()) == JobReport(fields: [NoticeField("Iteration", "25")]))
        }
    }

    /// RELION 3.0 particle files have no optics table: box and pixel size come from the first particle stack.
    @Test func extractWithoutOpticsReadsTheStackHeader() throws {
        let dir = TestEnv.temporaryDirectory("report-extract30")
        defer { TestEnv.removeTemporary(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/Extract/job007/Movies", withIntermediateDirectories: true)
        try MRCWriter.write(Volume(size: GridSize(64, 64, 3), voxelSize: VoxelSize(isotropic: 1.35)), to: dir + "/Extract/job007/Movies/m1.mrcs")
        let rows = (1 ... 3).map { "\($0)00.0 200.0 00000\($0)@Extract/job007/Movies/m1.mrcs Movies/m\($0 < 3 ? 1 : 2).mrc" }
        try ("\ndata_\n\nloop_\n_rlnCoordinateX #1\n_rlnCoordinateY #2\n_rlnImageName #3\n_rlnMicrographName #4\n" + rows.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/Extract/job007/particles.star", atomically: true, encoding: .utf8)
        let r = JobReports.report(for: JobContext(projectPath: dir, jobName: "Extract/job007/", type: JobType(relion31Code: 5), state: .finished))
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(r.fields.map { [$0.name, $0.value] } == [["Particles", "3"], ["Micrographs", "2"], ["Box", "64 px"], ["Pixel size", "1.350 Å"]])
    }

    @Test func autoPickCtfFindAndMotionCorrNumbersAndLogfile() throws {
        let dir = try project("relion40")
        defer { TestEnv.removeTemporary(dir) }
        func run(_ name: String, _ label: String) -> JobReport {
            JobReports.report(for: JobContext(projectPath: dir, jobName: name, type: JobType(label: label), state: .finished))
        }
        let pick = run("AutoPick/job004/", "relion.autopick.log")
        #expect(field(pick, "Micrographs") == "2" && field(pick, "Particles picked") == "5")
        #expect(pick.attachments.map(\.filename) == ["AutoPick_job004_logfile.pdf"])
        #expect(pick.attachments.first?.data.prefix(5) == Data("%PDF-".utf8))
        #expect(pick.problems.isEmpty)
        let ctf = run("CtfFind/job003/", "relion.ctffind.ctffind4")
        #expect(field(ctf, "Micrographs") == "3")
        #expect(field(ctf, "Median CTF resolution") == "4.81 Å")
        #expect(field(ctf, "Defocus") == "0.97–1.32 µm")
        let motion = run("MotionCorr/job002/", "relion.motioncorr.own")
        #expect(field(motion, "Micrographs") == "2")
        #expect(field(motion, "Mean total motion") == "17.99 Å")
        #expect(motion.problems == ["no logfile.pdf in MotionCorr/job002/"])
    }

    @Test func multiBodyResolutionsFromTheModelOrFromTheFSC() throws {
        let dir31 = try project("relion31", maps: ["MultiBody/job011/run_body001.mrc", "MultiBody/job011/run_body002.mrc"])
        defer { TestEnv.removeTemporary(dir31) }
        let r31 = JobReports.report(for: JobContext(projectPath: dir31, jobName: "MultiBody/job011/", type: JobType(relion31Code: 19), state: .finished),
                                    pictures: ReportPictures())
        #expect(field(r31, "Body 1") == "8.73 Å" && field(r31, "Body 2") == "10.67 Å")
        #expect(r31.attachments.map(\.filename) == ["MultiBody_job011_bodies.png"])
        // The fixture has no run_data.star, so EMCore's PCA of the body motions cannot run: one line says so.
        #expect(r31.problems == ["no PCA of the body motions: \(dir31)/MultiBody/job011: no run_data.star (nor any run_itNNN_data.star)"], "\(r31.problems)")
        // 5.0, no estimated resolution written: RELION's rule on each body's FSC; flex_analyse output attached.
        let dir50 = try project("relion50")
        defer { TestEnv.removeTemporary(dir50) }
        let r50 = JobReports.report(for: JobContext(projectPath: dir50, jobName: "MultiBody/job012/", type: JobType(label: "relion.multibody"), state: .finished),
                                    pictures: ReportPictures())
        #expect(field(r50, "Body 1") == "8.73 Å" && field(r50, "Body 2") == "6.86 Å")
        #expect(r50.attachments.map(\.filename) == ["MultiBody_job012_analyse_logfile.pdf"])
        #expect(r50.lines.contains { $0.contains("PCA component 1 explains 41.2 % of the variance") })
        // The maps are missing: one problem line per body, the numbers still go out.
        #expect(r50.problems.count == 2 && r50.problems.allSatisfy { $0.contains("no such file") }, "\(r50.problems)")
    }

    @Test func unknownAndExternalKindsGetAnEmptyReport() {
        for label in ["relion.external", "relion.unknown.42", "mytool.refine3d", "relion.select.onvalue", "relion.importtomo"] {
            for state in JobState.allCases where state != .failed && state != .aborted {
                let job = JobContext(projectPath: "/nonexistent", jobName: "External/job001/", type: JobType(label: label), state: state)
                #expect(JobReports.report(for: job) == JobReport())
            }
        }
    }

    @Test func missingOrCorruptFilesBecomeProblemLines() throws {
        let dir = TestEnv.temporaryDirectory("report-broken")
        defer { TestEnv.removeTemporary(dir) }
        for name in ["Refine3D/job001/", "PostProcess/job002/", "Class3D/job003/", "Class2D/job004/", "Extract/job005/", "MaskCreate/job006/"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
        }
        try "data_model_general\n_rlnCurrentResolution 'unterminated\n".write(toFile: dir + "/Refine3D/job001/run_model.star", atomically: true, encoding: .utf8)
        try Data([0, 1, 2, 3, 0]).write(to: URL(fileURLWithPath: dir + "/PostProcess/job002/postprocess.star"))
        try "data_model_general\n_rlnCurrentResolution 8\n\ndata_model_classes\nloop_\n_rlnReferenceImage\n_rlnClassDistribution\nClass3D/job003/run_it002_class001.mrc 1.0\n"
            .write(toFile: dir + "/Class3D/job003/run_it002_model.star", atomically: true, encoding: .utf8)
        try "data_model_general\n_rlnCurrentResolution 8\n\ndata_model_classes\nloop_\n_rlnReferenceImage\n_rlnClassDistribution\n000001@Class2D/job004/run_it002_classes.mrcs 1.0\n"
            .write(toFile: dir + "/Class2D/job004/run_it002_model.star", atomically: true, encoding: .utf8)
        func run(_ name: String, _ kind: String) -> JobReport {
            JobReports.report(for: JobContext(projectPath: dir, jobName: name, type: JobType(label: kind), state: .finished), pictures: ReportPictures())
        }
        let refine = run("Refine3D/job001/", "relion.refine3d")
        #expect(refine.problems.count == 1 && refine.problems[0].contains("run_model.star:2"), "\(refine.problems)")
        let post = run("PostProcess/job002/", "relion.postprocess")
        #expect(post.problems.count == 1 && post.problems[0].contains("binary data (not a text STAR file)"), "\(post.problems)")
        let c3 = run("Class3D/job003/", "relion.class3d")
        #expect(field(c3, "Classes") == "1" && c3.attachments.isEmpty)
        #expect(c3.problems == ["no picture of run_it002_class001.mrc: \(dir)/Class3D/job003/run_it002_class001.mrc: no such file"], "\(c3.problems)")
        let c2 = run("Class2D/job004/", "relion.class2d")
        #expect(c2.problems.count == 1 && c2.problems[0].hasPrefix("no class gallery: "), "\(c2.problems)")
        #expect(run("Extract/job005/", "relion.extract").problems.first?.contains("particles.star: no such file") == true)
        #expect(run("MaskCreate/job006/", "relion.maskcreate").problems.first?.contains("mask.mrc: no such file") == true)
    }

    @Test func failureTailDropsProgressBarsAndReadsOnlyTheEnd() throws {
        let dir = TestEnv.temporaryDirectory("report-failed")
        defer { TestEnv.removeTemporary(dir) }
        let job = dir + "/Refine3D/job003"
        try FileManager.default.createDirectory(atPath: job, withIntermediateDirectories: true)
        var out = (1 ... 20_000).map { "line \($0) of a long run" }.joined(separator: "\n")
        out += "\n000/??? sec ~~(,_,\">                                                          [oo]\r   1/   3 sec ..~~(,_,\">\n Maximization ...\n"
        try out.write(toFile: job + "/run.out", atomically: true, encoding: .utf8)
        try "ERROR: \nERROR: cannot read ```weird``` file\n".write(toFile: job + "/run.err", atomically: true, encoding: .utf8)
        let r = JobReports.report(for: JobContext(projectPath: dir, jobName: "Refine3D/job003/", type: JobType(label: "relion.refine3d"), state: .aborted))
        #expect(r.lines.count == 2)
        #expect(r.lines[0] == "Last lines of run.err:\n```\nERROR:\nERROR: cannot read '''weird''' file\n```")
        #expect(r.lines[1].hasSuffix("line 20000 of a long run\nMaximization ...\n```"))
        #expect(r.lines[1].components(separatedBy: "\n").count == 13)  // title, fence, 10 lines, fence
        #expect(!r.lines[1].contains("~~(,_,"))
    }

    @Test func cacheKeysFollowTheFileAndBrokenEntriesAreMisses() throws {
        let dir = TestEnv.temporaryDirectory("report-cache-unit")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc"
        try MRCWriter.write(Phantom.blobs(n: 16), to: map)
        let cache = PictureCache(directory: dir + "/cache")
        var draws = 0
        let make = { () throws -> GrayImage in draws += 1; return try MapPicture.projection(of: map, size: 8) }
        let a = try cache.image(of: map, variant: "z@8", make: make)
        let b = try cache.image(of: map, variant: "z@8", make: make)
        #expect(a == b && draws == 1 && cache.hits == 1 && cache.misses == 1)
        _ = try cache.image(of: map, variant: "x@8", make: make)
        #expect(draws == 2)
        // A corrupt entry is a miss, and is replaced.
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/cache") where name.hasSuffix(".tile") {
            try Data("EMTILE1\nshort".utf8).write(to: URL(fileURLWithPath: dir + "/cache/" + name))
        }
        #expect(try cache.image(of: map, variant: "z@8", make: make) == a && draws == 3)
        // A rewritten file is a new key.
        try MRCWriter.write(Phantom.blobs(n: 16, noise: 0.5), to: map)
        #expect(try cache.image(of: map, variant: "z@8", make: make) != a && draws == 4)
        // An unwritable cache folder is only slower.
        let blocked = PictureCache(directory: "/proc/emtools-no-cache")
        #expect(try blocked.image(of: map, variant: "z@8", make: make) == blocked.image(of: map, variant: "z@8", make: make))
        #expect(PictureCache.standardDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/h"]) == "/x/cache/emtools/pictures")
        #expect(PictureCache.standardDirectory(environment: ["HOME": "/h"]) == "/h/.cache/emtools/pictures")
    }

    @Test func iterationFilesAreFoundWithContinuationsAndBigNumbers() throws {
        let dir = TestEnv.temporaryDirectory("report-iterations")
        defer { TestEnv.removeTemporary(dir) }
        for n in ["run_it000_model.star", "run_it009_model.star", "run_ct9_it010_model.star", "run_it010_model.star", "run_it1000_model.star",
                  "run_it011_half1_model.star", "run_itX_model.star", "other_it012_model.star", "run_ct_it013_model.star"] {
            _ = FileManager.default.createFile(atPath: dir + "/" + n, contents: Data())
        }
        let its = JobFiles.iterations(in: dir, suffix: "_model.star")
        #expect(its.map(\.number) == [0, 9, 10, 1000])
        #expect(its[2].path == dir + "/run_ct9_it010_model.star")
        #expect(JobFiles.last(in: dir, suffix: "_half1_model.star")?.number == 11)
    }
}
