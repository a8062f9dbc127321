import EMCore
import Foundation
import TestSupport

/// A generated RELION 3.1 multi-body project (Tests/EMCoreTests/Fixtures/make_multibody_job.py) and the
/// output of `relion_flex_analyse --PCA_orient` on it.
///
/// Particles are written grouped by micrograph, as relion_refine writes run_data.star. This matters: RELION
/// 3.1.3's Experiment::read regroups data_particles by micrograph while flex_analyser.cpp keeps reading the
/// data_images_body_N tables in file order, so for a file that is *not* grouped by micrograph RELION pairs
/// each particle's consensus angles with another particle's body parameters. emtools always pairs rows as
/// they are in the file.
struct MultiBodyTestJob {
    let project: String
    var job: String { project + "/MultiBody/job001" }

    static let generator = TestEnv.repoRoot + "/Tests/EMCoreTests/Fixtures/make_multibody_job.py"

    /// - Parameter layout: "pair" (two bodies rotating relative to each other), "three" (three bodies,
    ///   relative to 2, 1, 1) or "centre" (three bodies without rlnBodyRotateRelativeTo).
    init(particles: Int = 300, seed: Int = 1, layout: String = "pair") throws {
        project = TestEnv.temporaryDirectory("multibody")
        let r = try TestEnv.run(TestEnv.python, [Self.generator, project, String(particles), String(seed), layout])
        if r.status != 0 { throw TestFailure("fixture generator failed: \(r.stderr)") }
    }

    func remove() { TestEnv.removeTemporary(project) }

    /// RELION's results.
    struct Relion {
        var percents: [Double]
        var weights: [[Double]]
        var eigenvectors: Matrix        // rows
        var projections: Matrix         // particles × components, rows in RELION's particle order
        var projectionNames: [String]
        var selectionNames: [String]?
        var stdout: String
    }

    /// Run relion_flex_analyse in the project folder, as the RELION GUI would.
    func relion(select: (component: Int, min: Double, max: Double)? = nil) throws -> Relion {
        let r = try runRelion(select: select)
        // RELION ends with a failed `gs` call for its PDF when Ghostscript is absent; the numbers are written before.
        guard r.stdout.contains("explains") else { throw TestFailure("relion_flex_analyse failed (\(r.status)): \(r.stderr)\n\(r.stdout)") }
        return try parse(r, select: select)
    }

    /// Run relion_flex_analyse and return its raw output.
    func runRelion(select: (component: Int, min: Double, max: Double)? = nil) throws -> TestEnv.ProcessResult {
        var args = ["--PCA_orient", "--data", "MultiBody/job001/run_data.star", "--model", "MultiBody/job001/run_model.star",
                    "--bodies", "bodies.star", "--o", "analyse", "--write_pca_projections"]
        if let s = select {
            args += ["--select_eigenvalue", String(s.component), "--select_eigenvalue_min", String(s.min), "--select_eigenvalue_max", String(s.max)]
        }
        return try TestEnv.run(TestEnv.relion("relion_flex_analyse"), args, currentDirectory: project)
    }

    func parse(_ r: TestEnv.ProcessResult, select: (component: Int, min: Double, max: Double)?) throws -> Relion {
        let percents = r.stdout.split(separator: "\n").compactMap { line -> Double? in
            guard line.contains("+ Component"), let a = line.range(of: "explains "), let b = line.range(of: "% of variance") else { return nil }
            return Double(line[a.upperBound ..< b.lowerBound])
        }
        let weights = try MultiBodyParameters.readWeights(project + "/analyse_pca_weights.dat")
        let evec = try String(contentsOfFile: project + "/analyse_eigenvectors.dat", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: " ").compactMap { Double($0) } }
        let proj = try String(contentsOfFile: project + "/analyse_projections_along_eigenvectors_all_particles.txt", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        var selection: [String]? = nil
        if let s = select {
            var name = "analyse_eval" + String(format: "%03d", s.component) + "_select"
            if Int(s.min.rounded()) > -99998 { name += "_min\(Int(s.min.rounded()))" }
            if Int(s.max.rounded()) < 99998 { name += "_max\(Int(s.max.rounded()))" }
            let doc = try STARDocument.read(project + "/" + name + ".star")
            selection = try doc.requireBlock("particles").requireTable().strings("rlnImageName")
        }
        return Relion(percents: percents, weights: weights, eigenvectors: Matrix(evec),
                      projections: Matrix(proj.map { $0.dropFirst().map { Double($0)! } }),
                      projectionNames: proj.map { String($0[0]) }, selectionNames: selection, stdout: r.stdout)
    }
}
