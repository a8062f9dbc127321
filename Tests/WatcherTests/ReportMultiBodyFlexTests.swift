import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// The MultiBody report on a generated multi-body job (Tests/EMCoreTests/Fixtures/make_multibody_job.py) on
/// which RELION 3.1.3's relion_flex_analyse really ran, as the GUI runs it after a multi-body refinement
/// (`--o MultiBody/job001/analyse`, its output appended to `run.out`): the report attaches RELION's
/// `analyse_logfile.pdf` (made through Ghostscript) and quotes the variance lines RELION printed; without the
/// PDF (no Ghostscript) the run is still recognised by `analyse_eigenvectors.dat`.
@Suite(.serialized) struct ReportMultiBodyFlexTests {
    static let generator = TestEnv.repoRoot + "/Tests/EMCoreTests/Fixtures/make_multibody_job.py"

    /// A generated project whose `MultiBody/job001/` relion_flex_analyse analysed; RELION's standard output.
    func flexJob() throws -> (project: String, context: JobContext, stdout: String) {
        let project = TestEnv.temporaryDirectory("report-multibody-flex")
        let g = try TestEnv.run(TestEnv.python, [Self.generator, project, "300", "1", "pair"])
        if g.status != 0 { throw TestFailure("fixture generator failed: \(g.stderr)") }
        let r = try TestEnv.run(TestEnv.relion("relion_flex_analyse"),
                                ["--PCA_orient", "--data", "MultiBody/job001/run_data.star", "--model", "MultiBody/job001/run_model.star",
                                 "--bodies", "bodies.star", "--o", "MultiBody/job001/analyse"], currentDirectory: project)
        guard r.status == 0, r.stdout.contains("eigenvectors explain") else {
            throw TestFailure("relion_flex_analyse failed (\(r.status)): \(r.stderr)\n\(r.stdout)")
        }
        let out = " Auto-refine: Refinement has converged, stopping now... \n" + r.stdout
        try out.write(toFile: project + "/MultiBody/job001/run.out", atomically: true, encoding: .utf8)
        let context = JobContext(projectPath: project, jobName: "MultiBody/job001/", type: JobType(label: "relion.multibody"), state: .finished)
        return (project, context, r.stdout)
    }

    /// The lines of RELION's output the report must quote: components 1 to max(3, K) and the "first K" line.
    func relionLines(_ stdout: String) throws -> [String] {
        let lines = stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let summary = try #require(lines.first { $0.hasPrefix("The first ") && $0.contains("eigenvectors explain") })
        let k = try #require(Int(summary.split(separator: " ")[2]))
        let components = (1 ... max(3, k)).map { n in lines.first { $0.hasPrefix("+ Component \(n) explains") } }
        #expect(components.allSatisfy { $0 != nil }, "\(stdout)")
        return components.compactMap { $0 } + [summary]
    }

    @Test func relionsPDFAndVarianceLinesAreReported() throws {
        let (project, job, stdout) = try flexJob()
        defer { TestEnv.removeTemporary(project) }
        let pdfPath = job.folder + "/analyse_logfile.pdf"
        let pdfBytes = try #require(FileManager.default.contents(atPath: pdfPath), "relion_flex_analyse made no PDF: is Ghostscript installed?")
        #expect(pdfBytes.prefix(5) == Data("%PDF-".utf8))

        let report = JobReports.report(for: job, pictures: ReportPictures())
        #expect(report.problems.isEmpty, "\(report.problems)")
        let pdf = try #require(report.attachments.first { $0.filename == "MultiBody_job001_analyse_logfile.pdf" })
        #expect(pdf.data == pdfBytes)
        // RELION's analysis replaces EMCore's: no PCA line, no amplitude histogram.
        #expect(!report.lines.contains { $0.hasPrefix("Body motions") })
        #expect(!report.attachments.contains { $0.filename.hasSuffix("_pca_amplitudes.png") })
        let expected = try relionLines(stdout)
        #expect(expected.first?.hasPrefix("+ Component 1 explains") == true && expected.count >= 4)
        #expect(report.lines.contains("relion_flex_analyse:\n```\n" + expected.joined(separator: "\n") + "\n```"), "\(report.lines)")
        // RELION's percentages are EMCore's.
        let analysis = try MultiBodyAnalysis(job: MultiBodyJob.locate(job.folder))
        let first = try #require(Double(expected[0].split(separator: " ")[4].dropLast()))
        #expect(abs(first - 100 * analysis.pca.explainedFraction[0]) < 2e-5)
    }

    /// Without Ghostscript RELION writes EPS files and no PDF: the run is still RELION's (its lines quoted),
    /// and EMCore's amplitude histogram stands in for the missing PDF.
    @Test func withoutThePDFTheRunIsRecognisedByItsEigenvectors() throws {
        let (project, job, stdout) = try flexJob()
        defer { TestEnv.removeTemporary(project) }
        try FileManager.default.removeItem(atPath: job.folder + "/analyse_logfile.pdf")
        #expect(FileManager.default.fileExists(atPath: job.folder + "/analyse_eigenvectors.dat"))
        #expect(FileManager.default.fileExists(atPath: job.folder + "/analyse_eigenvalues.eps"))
        let report = JobReports.report(for: job, pictures: ReportPictures())
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.lines.contains("relion_flex_analyse:\n```\n" + (try relionLines(stdout)).joined(separator: "\n") + "\n```"), "\(report.lines)")
        #expect(!report.lines.contains { $0.hasPrefix("Body motions") })
        let plot = try #require(report.attachments.first { $0.filename == "MultiBody_job001_pca_amplitudes.png" })
        #expect(try ReportPNG.size(plot) == (720, 480))
        #expect(!report.attachments.contains { $0.filename.hasSuffix(".pdf") })
    }
}
