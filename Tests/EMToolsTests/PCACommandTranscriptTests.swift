import EMCore
import Foundation
import Testing
import TestSupport

/// Transcripts of `emtools pca` on generated tables and a generated multi-body job.
@Suite struct PCACommandTranscriptTests {
    let emtools = TestEnv.product("emtools")

    /// A particles STAR file whose columns a, b follow one latent motion (b = −2a + noise) and c is independent.
    func writeTable(_ path: String, rows: Int = 400, extra: (Int) -> String = { _ in "" }) throws {
        var s = "\n# version 30001\n\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n_rlnImagePixelSize #2\n1 1.5\n\n"
        s += "data_particles\n\nloop_\n_rlnImageName #1\n_a #2\n_b #3\n_c #4\n_k #5\n"
        var state: UInt64 = 12345
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) - 0.5 }
        for r in 0 ..< rows {
            let t = 10 * uniform()
            s += String(format: "%06d@p.mrcs %.6f %.6f %.6f 4.0", r + 1, t, -2 * t + 0.3 * uniform(), uniform()) + extra(r) + "\n"
        }
        try s.write(toFile: path, atomically: true, encoding: .utf8)
    }

    struct Output: Decodable {
        struct PCA: Decodable {
            struct Component: Decodable { let number: Int; let percent: Double; let cumulativePercent: Double; let vector: [Double] }
            let rows: Int; let columns: [String]; let standardized: Bool; let divisor: String; let components: [Component]
        }
        struct Selection: Decodable { let component: Int; let rows: Int; let path: String }
        let pca: PCA
        let weights: [[Double]]?
        let selection: Selection?
    }

    @Test func tableTextReportShowsComponentsAndEigenvectors() throws {
        let dir = TestEnv.temporaryDirectory("cli-pca")
        defer { TestEnv.removeTemporary(dir) }
        try writeTable(dir + "/p.star")
        let r = try TestEnv.run(emtools, ["pca", dir + "/p.star", "--columns", "a,b,c"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == dir + "/p.star: PCA of 3 columns, 400 rows; covariance divided by N-1")
        #expect(lines[1].hasPrefix("component  eigenvalue"))
        // The latent motion carries almost all the variance: component 1 above 99 %.
        let first = lines[2].split(separator: " ")
        #expect(first[0] == "1")
        #expect(Double(first[2].dropLast())! > 99)
        #expect(lines.contains { $0.hasPrefix("eigenvectors:") })
        let rowB = lines.first { $0.hasPrefix("b ") }!.split(separator: " ")
        let rowA = lines.first { $0.hasPrefix("a ") }!.split(separator: " ")
        // Eigenvector 1 ∝ (1, −2, 0)/√5 with its largest component positive: b ≈ +0.894, a ≈ −0.447.
        #expect(abs(Double(rowB[1])! - 0.894) < 0.01 && abs(Double(rowA[1])! + 0.447) < 0.01)
    }

    @Test func jsonPlotAndSelectionOfATable() throws {
        let dir = TestEnv.temporaryDirectory("cli-pca-json")
        defer { TestEnv.removeTemporary(dir) }
        try writeTable(dir + "/p.star")
        let r = try TestEnv.run(emtools, ["pca", "table", dir + "/p.star", "--columns", "_a,b,c", "--standardize", "--json",
                                          "--plot", dir + "/pcs.png", "--select", "1", "--min", "0", "--out", dir + "/pos.star",
                                          "--amplitudes", dir + "/amp.tsv"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONDecoder().decode(Output.self, from: r.stdoutData)
        #expect(out.pca.columns == ["a", "b", "c"] && out.pca.rows == 400 && out.pca.standardized && out.pca.divisor == "sample")
        #expect(out.pca.components.count == 3)
        #expect(abs(out.pca.components.map(\.percent).reduce(0, +) - 100) < 1e-9)
        #expect(abs(out.pca.components[2].cumulativePercent - 100) < 1e-9)
        // Standardised: the correlated pair shares component 1 (≈ 2/3 of the variance of three unit columns).
        #expect(abs(out.pca.components[0].percent - 66.6) < 1.5)
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/pcs.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let subset = try STARDocument.read(dir + "/pos.star")
        #expect(subset.blocks.map(\.name) == ["optics", "particles"])
        let n = try subset.requireBlock("particles").requireTable().rowCount
        #expect(n == out.selection?.rows && n > 100 && n < 300)
        // The amplitudes file: a header, one line per row, and exactly the selected rows have PC1 > 0.
        let amp = try String(contentsOfFile: dir + "/amp.tsv", encoding: .utf8).split(separator: "\n")
        #expect(amp[0] == "row\trlnImageName\tPC1\tPC2\tPC3")
        #expect(amp.count == 401)
        #expect(amp[1].hasPrefix("1\t000001@p.mrcs\t"))
        #expect(amp.dropFirst().filter { Double($0.split(separator: "\t")[2])! > 0 }.count == n)
    }

    @Test func populationDivisorMatchesRelionsConvention() throws {
        let dir = TestEnv.temporaryDirectory("cli-pca-pop")
        defer { TestEnv.removeTemporary(dir) }
        try writeTable(dir + "/p.star", rows: 50)
        let sample = try JSONDecoder().decode(Output.self, from: try TestEnv.run(emtools, ["pca", dir + "/p.star", "--columns", "a,b", "--json"]).stdoutData)
        let pop = try TestEnv.run(emtools, ["pca", dir + "/p.star", "--columns", "a,b", "--population", "--json"])
        let p = try JSONDecoder().decode(Output.self, from: pop.stdoutData)
        #expect(p.pca.divisor == "population" && sample.pca.divisor == "sample")
        // Same percentages (the divisor scales every eigenvalue alike).
        #expect(abs(p.pca.components[0].percent - sample.pca.components[0].percent) < 1e-9)
    }

    @Test func badTablesAreOneLineErrorsNamingFileAndColumn() throws {
        let dir = TestEnv.temporaryDirectory("cli-pca-bad")
        defer { TestEnv.removeTemporary(dir) }
        let good = dir + "/p.star"
        try writeTable(good)
        func fails(_ args: [String], status: Int32 = 1, _ text: String) throws {
            let r = try TestEnv.run(emtools, ["pca"] + args)
            #expect(r.status == status, "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 || status == 64, "one line: \(r.stderr)")
            #expect(r.stderr.contains(text), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        try fails([good, "--columns", "a,zz"], "p.star: block 'particles' has no column 'zz'")
        try fails([good, "--columns", "a,k", "--standardize"], "column 'k' is constant (zero variance)")
        try fails([good, "--columns", "a,b", "--select", "3", "--out", dir + "/x.star"], "component 3 does not exist")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.star"))
        try fails([good, "--columns", "a", "--select", "1"], status: 64, "--select needs --out")
        // An unwritable output leaves the other outputs unwritten.
        try fails([good, "--columns", "a,b", "--plot", dir + "/p.png", "--select", "1", "--out", dir + "/no/such/dir/s.star"],
                  "no/such/dir/s.star")
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.png"))
        try fails([dir + "/missing.star", "--columns", "a"], "missing.star")
        let nan = dir + "/nan.star"
        try writeTable(nan, rows: 5)
        try String(contentsOfFile: nan, encoding: .utf8).replacingOccurrences(of: "000003@p.mrcs ", with: "000003@p.mrcs nan ")
            .replacingOccurrences(of: " 4.0\n000004", with: "\n000004").write(toFile: nan, atomically: true, encoding: .utf8)
        try fails([nan, "--columns", "a,b"], "nan.star: column 'a', row 3: value nan is not finite")
        let one = dir + "/one.star"
        try writeTable(one, rows: 1)
        try fails([one, "--columns", "a,b"], "one.star: 1 row, but PCA needs at least 2")
    }

    @Test func multibodyJobReportsRelionsTableAndSelects() throws {
        let project = TestEnv.temporaryDirectory("cli-multibody")
        defer { TestEnv.removeTemporary(project) }
        let gen = try TestEnv.run(TestEnv.python, [TestEnv.repoRoot + "/Tests/EMCoreTests/Fixtures/make_multibody_job.py", project, "200", "3"])
        #expect(gen.status == 0, "\(gen.stderr)")
        let job = project + "/MultiBody/job001"
        let r = try TestEnv.run(emtools, ["pca", "multibody", job, "--json", "--plot", project + "/mb.png",
                                          "--select", "2", "--min", "-1000", "--max", "0", "--out", project + "/neg.star"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONDecoder().decode(Output.self, from: r.stdoutData)
        #expect(out.pca.columns.count == 12 && out.pca.columns[3] == "x-body-1" && out.pca.columns[11] == "z-body-2")
        #expect(out.pca.divisor == "population" && !out.pca.standardized && out.pca.rows == 200)
        #expect(out.weights?.count == 2 && out.weights?[0].count == 4)
        #expect(out.selection?.component == 2)
        let n = try STARDocument.read(project + "/neg.star").requireBlock("particles").requireTable().rowCount
        #expect(n == out.selection?.rows && n > 40 && n < 160)
        #expect(FileManager.default.fileExists(atPath: project + "/mb.png"))
        // Text form: RELION's labels and the weights.
        let text = try TestEnv.run(emtools, ["pca", "multibody", job, "--components", "2"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("covariance divided by N\n"))
        #expect(text.stdout.contains("  body 2: "))
        #expect(text.stdout.contains("\npsi-body-2 "))
        // RELION's weights file instead of computed weights.
        let weights = project + "/analyse_pca_weights.dat"
        try "body rot tilt psi offset\n1 1.0e-01 2.0e-01 3.0e-01 4.0e+00\n2 5.0e-01 6.0e-01 7.0e-01 8.0e+00\n"
            .write(toFile: weights, atomically: true, encoding: .utf8)
        let given = try TestEnv.run(emtools, ["pca", "multibody", job, "--weights", weights, "--json"])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(try JSONDecoder().decode(Output.self, from: given.stdoutData).weights == [[0.1, 0.2, 0.3, 4], [0.5, 0.6, 0.7, 8]])
        // A job folder that is not one.
        let bad = try TestEnv.run(emtools, ["pca", "multibody", project])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(project) && bad.stderr.contains("run_data.star"))
    }
}
