import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// The MultiBody report on generated RELION 3.1 multi-body jobs (Tests/EMCoreTests/Fixtures/make_multibody_job.py,
/// whose output relion_flex_analyse 3.1.3 reads, see MultiBodyRelionTests): EMCore's PCA of the body motions
/// gives the same percentages as `emtools pca multibody --json`, and its amplitude histogram is a PNG of the
/// report plot size; a job whose PCA cannot be computed gives one line in `problems` and the rest of the report.
@Suite(.serialized) struct ReportMultiBodyTests {
    static let generator = TestEnv.repoRoot + "/Tests/EMCoreTests/Fixtures/make_multibody_job.py"

    /// A generated project holding `MultiBody/job001/`.
    func makeJob(particles: Int = 300, seed: Int = 1, layout: String = "pair") throws -> (project: String, context: JobContext) {
        let project = TestEnv.temporaryDirectory("report-multibody")
        let r = try TestEnv.run(TestEnv.python, [Self.generator, project, String(particles), String(seed), layout])
        if r.status != 0 { throw TestFailure("fixture generator failed: \(r.stderr)") }
        let context = JobContext(projectPath: project, jobName: "MultiBody/job001/", type: JobType(label: "relion.multibody"), state: .finished)
        return (project, context)
    }

    /// The percentages of variance `emtools pca multibody --json` reports for `job`.
    func cliPercents(_ job: String) throws -> (percents: [Double], rows: Int) {
        let r = try TestEnv.run(TestEnv.product("emtools"), ["pca", "multibody", job, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let pca = try #require(doc["pca"] as? [String: Any])
        let components = try #require(pca["components"] as? [[String: Any]])
        return (components.compactMap { $0["percent"] as? Double }, try #require(pca["rows"] as? Int))
    }

    @Test(arguments: [(1, "pair", 2), (5, "three", 3)])
    func pcaPercentagesAreTheCLIsAndTheHistogramIsAPNG(seed: Int, layout: String, bodies: Int) throws {
        let (project, job) = try makeJob(seed: seed, layout: layout)
        defer { TestEnv.removeTemporary(project) }
        let report = JobReports.report(for: job, pictures: ReportPictures())
        ReportPNG.keep(report)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let cli = try cliPercents(job.folder)
        #expect(cli.percents.count == 6 * bodies && cli.rows == 300)
        #expect(abs(cli.percents.reduce(0, +) - 100) < 1e-6)
        let line = try #require(report.lines.first { $0.hasPrefix("Body motions") })
        let expected = String(format: "PC1 %.1f %%, PC2 %.1f %%, PC3 %.1f %% (%.1f %% together) of %d columns over 300 rows",
                              cli.percents[0], cli.percents[1], cli.percents[2], cli.percents[0 ..< 3].reduce(0, +), 6 * bodies)
        #expect(line == "Body motions (PCA of the \(bodies) bodies' rotations and translations): " + expected)
        // The components needed for 75 % of the variance, from the CLI's percentages.
        var sum = 0.0, k = 0
        while sum < 75 - 1e-10 { sum += cli.percents[k]; k += 1 }
        #expect(k > 1 && report.lines.contains("The first \(k) components explain \(String(format: "%.1f", sum)) % of the variance"), "\(report.lines)")
        // The planted motion dominates: the first component carries clearly more than an even share.
        #expect(cli.percents[0] > 2 * 100 / Double(6 * bodies))
        let plot = try #require(report.attachments.first { $0.filename == "MultiBody_job001_pca_amplitudes.png" })
        let size = try ReportPNG.size(plot)
        #expect(size.width == 720 && size.height == 480)
        // Body resolutions and the body-map gallery are still there.
        #expect((1 ... bodies).allSatisfy { b in report.fields.contains { $0.name == "Body \(b)" } })
        #expect(report.attachments.contains { $0.filename.hasPrefix("MultiBody_job001_bodies") })
    }

    @Test func missingBodiesFileIsOneProblemLine() throws {
        let (project, job) = try makeJob()
        defer { TestEnv.removeTemporary(project) }
        try FileManager.default.removeItem(atPath: project + "/bodies.star")
        let report = JobReports.report(for: job, pictures: ReportPictures())
        #expect(report.problems.count == 1, "\(report.problems)")
        let problem = try #require(report.problems.first)
        #expect(problem.hasPrefix("no PCA of the body motions: ") && problem.contains("bodies STAR file bodies.star"), "\(problem)")
        #expect(!problem.contains("\n"))
        #expect(!report.lines.contains { $0.hasPrefix("Body motions") })
        #expect(!report.attachments.contains { $0.filename.hasSuffix("_pca_amplitudes.png") })
        #expect(report.fields.contains { $0.name == "Body 1" } && report.fields.contains { $0.name == "Body 2" })
    }

    @Test func tooFewParticlesIsOneProblemLine() throws {
        let (project, job) = try makeJob(particles: 8)
        defer { TestEnv.removeTemporary(project) }
        let report = JobReports.report(for: job, pictures: ReportPictures())
        #expect(report.problems.count == 1, "\(report.problems)")
        let problem = try #require(report.problems.first)
        #expect(problem.contains("8 particles") && problem.contains("needs at least 12"), "\(problem)")
        #expect(problem.contains("run_data.star"))
        #expect(!report.attachments.contains { $0.filename.hasSuffix("_pca_amplitudes.png") })
        // The CLI refuses the same job with the same line.
        let r = try TestEnv.run(TestEnv.product("emtools"), ["pca", "multibody", job.folder])
        #expect(r.status != 0 && r.stderr.contains("needs at least 12"))
    }
}
