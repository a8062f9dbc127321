import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// CtfRefine and Polish reports on job folders laid out as RELION 3.1 writes them
/// (Fixtures/Reports/logfile, see Fixtures/Reports/README.md), and on broken copies of them.
@Suite struct ReportLogfileTests {
    static let fixtures = TestEnv.repoRoot + "/Tests/WatcherTests/Fixtures/Reports/logfile"

    /// A copy of the fixture project in a temporary folder, so that a test can break its files.
    func project() throws -> String {
        let dir = TestEnv.temporaryDirectory("report-logfile")
        for item in try FileManager.default.contentsOfDirectory(atPath: Self.fixtures) {
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + item, toPath: dir + "/" + item)
        }
        return dir
    }

    func report(_ dir: String, _ job: String, _ label: String) -> JobReport {
        JobReports.report(for: JobContext(projectPath: dir, jobName: job, type: JobType(label: label), state: .finished))
    }

    func pairs(_ r: JobReport) -> [[String]] { r.fields.map { [$0.name, $0.value] } }

    @Test func ctfRefineGivesParticlesDefocusBeamTiltAndThePDF() throws {
        let dir = try project()
        defer { TestEnv.removeTemporary(dir) }
        let r = report(dir, "CtfRefine/job020/", "relion.ctfrefine")
        #expect(r.problems.isEmpty, "\(r.problems)")
        // Six particles, mean of (DefocusU + DefocusV) / 2 = 11837.4 Å; beam tilt of both optics groups.
        #expect(pairs(r) == [["Particles", "6"], ["Mean defocus", "1.184 µm"],
                             ["Beam tilt X / Y (mrad)", "opticsGroup1 0.112 / -0.088, opticsGroup2 -0.051 / 0.203"]])
        let pdf = try #require(r.attachments.first)
        #expect(r.attachments.count == 1 && pdf.filename == "CtfRefine_job020_logfile.pdf")
        #expect(pdf.data == FileManager.default.contents(atPath: dir + "/CtfRefine/job020/logfile.pdf"))
        #expect(pdf.data.prefix(5) == Data("%PDF-".utf8))
    }

    /// CTF refinement without beam-tilt fitting leaves the optics table without `_rlnBeamTiltX`.
    @Test func ctfRefineWithoutBeamTiltHasNoTiltField() throws {
        let dir = try project()
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/CtfRefine/job020/particles_ctf_refine.star"
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "_rlnBeamTiltX #10 \n_rlnBeamTiltY #11 \n", with: "")
            .replacingOccurrences(of: " 0.112340 -0.087650 ", with: " ").replacingOccurrences(of: " -0.051200 0.203000 ", with: " ")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let optics = try STARDocument.read(path).requireBlock("optics").requireTable()
        #expect(optics.columnIndex("rlnBeamTiltX") == nil && optics.columns.count == 9)
        let r = report(dir, "CtfRefine/job020/", "relion.ctfrefine")
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(pairs(r) == [["Particles", "6"], ["Mean defocus", "1.184 µm"]])
    }

    @Test func polishGivesParticlesPerFrameBFactorsAndThePDF() throws {
        let dir = try project()
        defer { TestEnv.removeTemporary(dir) }
        let r = report(dir, "Polish/job021/", "relion.polish")
        #expect(r.problems.isEmpty, "\(r.problems)")
        // bfactors.star: frames 0–23, lowest B-factor −52.22 Å² (last frame), highest −25.31 Å².
        #expect(pairs(r) == [["Particles", "4"], ["Frames", "24"], ["Per-frame B-factor", "-52.2 to -25.3 Å²"]])
        let pdf = try #require(r.attachments.first)
        #expect(pdf.filename == "Polish_job021_logfile.pdf")
        #expect(pdf.data == FileManager.default.contents(atPath: dir + "/Polish/job021/logfile.pdf"))
    }

    /// A parameter-training run writes opt_params_all_groups.txt only: its three σ values, nothing missed.
    @Test func polishTrainingGivesTheOptimalParameters() throws {
        let dir = try project()
        defer { TestEnv.removeTemporary(dir) }
        let r = report(dir, "Polish/job022/", "relion.polish")
        #expect(r == JobReport(fields: [NoticeField("Optimal σ velocity / divergence / acceleration", "0.493 / 1095 / 2.565")]))
        try "0.493 1095\n".write(toFile: dir + "/Polish/job022/opt_params_all_groups.txt", atomically: true, encoding: .utf8)
        let broken = report(dir, "Polish/job022/", "relion.polish")
        #expect(broken.fields.isEmpty)
        #expect(broken.problems.count == 1 && broken.problems[0].contains("opt_params_all_groups.txt: expected 3 numbers"), "\(broken.problems)")
    }

    @Test func brokenPolishFilesAreNamedAndTheRestStillReported() throws {
        let dir = try project()
        defer { TestEnv.removeTemporary(dir) }
        let job = dir + "/Polish/job021"
        let bf = try String(contentsOfFile: job + "/bfactors.star", encoding: .utf8)
        try bf.replacingOccurrences(of: "_rlnBfactorUsedForSharpening", with: "_rlnSomethingElse")
            .write(toFile: job + "/bfactors.star", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: job + "/logfile.pdf")
        let r = report(dir, "Polish/job021/", "relion.polish")
        #expect(pairs(r) == [["Particles", "4"]])
        #expect(r.attachments.isEmpty)
        #expect(r.problems.count == 2, "\(r.problems)")
        #expect(r.problems.contains { $0.hasPrefix("no B-factors") && $0.contains("rlnBfactorUsedForSharpening") }, "\(r.problems)")
        #expect(r.problems.contains("no logfile.pdf in Polish/job021/"), "\(r.problems)")

        // A truncated shiny.star: the particle count is named as missing, the B-factors still come.
        try bf.write(toFile: job + "/bfactors.star", atomically: true, encoding: .utf8)
        let shiny = try Data(contentsOf: URL(fileURLWithPath: job + "/shiny.star"))
        try shiny.prefix(300).write(to: URL(fileURLWithPath: job + "/shiny.star"))
        let t = report(dir, "Polish/job021/", "relion.polish")
        #expect(pairs(t) == [["Frames", "24"], ["Per-frame B-factor", "-52.2 to -25.3 Å²"]], "\(t.fields) \(t.problems)")
        #expect(t.problems.contains { $0.hasPrefix("no particle count") }, "\(t.problems)")
    }
}
