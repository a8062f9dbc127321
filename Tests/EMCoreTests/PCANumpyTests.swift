import EMCore
import Foundation
import Testing
import TestSupport

/// The same table analysed by emtools and by numpy (`numpy.cov` / `numpy.corrcoef` + `numpy.linalg.eigh`).
@Suite struct PCANumpyTests {
    /// Write `data` as whitespace-separated text, run numpy on it and return its eigenvalues (descending),
    /// eigenvectors (rows, descending) and the projections onto them.
    func numpy(_ data: Matrix, standardize: Bool) throws -> (values: [Double], vectors: Matrix, projections: Matrix) {
        let dir = TestEnv.temporaryDirectory("pca-numpy")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/table.txt"
        var text = ""
        for r in 0 ..< data.rows { text += data.row(r).map { String(format: "%.17g", $0) }.joined(separator: " ") + "\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let script = """
        import sys, json, numpy as np
        x = np.loadtxt(sys.argv[1])
        std = sys.argv[2] == "1"
        c = np.corrcoef(x, rowvar=False) if std else np.cov(x, rowvar=False)
        w, v = np.linalg.eigh(c)
        order = np.argsort(w)[::-1]
        w, v = w[order], v[:, order]
        xc = (x - x.mean(0)) / (x.std(0, ddof=1) if std else 1)
        print(json.dumps({"w": w.tolist(), "v": v.T.tolist(), "p": (xc @ v).tolist()}))
        """
        let out = try TestEnv.python(script, [path, standardize ? "1" : "0"])
        struct R: Decodable { let w: [Double]; let v: [[Double]]; let p: [[Double]] }
        let r = try JSONDecoder().decode(R.self, from: Data(out.utf8))
        return (r.w, Matrix(r.v), Matrix(r.p))
    }

    func compare(_ data: Matrix, standardize: Bool) throws {
        let pca = try PCA(data, standardize: standardize)
        let ref = try numpy(data, standardize: standardize)
        let scale = ref.values[0]
        for k in 0 ..< data.columns {
            #expect(abs(pca.eigenvalues[k] - ref.values[k]) <= 1e-10 * scale, "eigenvalue \(k + 1)")
        }
        let amplitudes = pca.project(data)
        // Eigenvectors agree up to sign (numpy's sign is arbitrary); the projections flip with them.
        for k in 0 ..< data.columns {
            let mine = pca.eigenvectors.row(k), theirs = ref.vectors.row(k)
            let sign: Double = zip(mine, theirs).map(*).reduce(0, +) < 0 ? -1 : 1
            #expect(zip(mine, theirs).allSatisfy { abs($0 - sign * $1) < 1e-8 }, "eigenvector \(k + 1)")
            for r in stride(from: 0, to: data.rows, by: 97) {
                #expect(abs(amplitudes[r, k] - sign * ref.projections[r, k]) < 1e-7 * max(1, scale.squareRoot()), "row \(r) component \(k + 1)")
            }
        }
    }

    @Test func agreesWithNumpyEigh() throws {
        let t = PlantedTable(rows: 3000, variances: [25, 9, 4, 1], columns: 7, noise: 0.5, seed: 42)
        try compare(t.data, standardize: false)
    }

    @Test func agreesWithNumpyOnTheCorrelationMatrix() throws {
        let t = PlantedTable(rows: 2500, variances: [6, 2], columns: 5, noise: 0.4, seed: 8)
        // Give the columns very different units, as particle tables have (degrees, Å, defocus in Å).
        var m = t.data
        for r in 0 ..< m.rows { m[r, 0] *= 1000; m[r, 3] *= 0.01 }
        try compare(m, standardize: true)
    }
}
