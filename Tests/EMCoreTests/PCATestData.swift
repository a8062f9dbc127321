import EMCore
import Foundation

/// Deterministic random numbers for PCA tests: EMCore's SplitMix64, so every run sees the same data.
typealias PCARandom = SplitMix64

extension SplitMix64 {
    /// A uniform deviate in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// A standard normal deviate (Box–Muller).
    mutating func normal() -> Double { nextGaussian() }
}

/// A table with planted principal components: rows = mean + Σ_k sqrt(λ_k)·z_k·d_k + noise·ε, with
/// orthonormal directions d_k (a random rotation's rows) and independent standard normal z_k, ε.
struct PlantedTable {
    let data: Matrix
    let directions: Matrix      // rows = planted unit directions
    let variances: [Double]     // planted λ_k (the variance along d_k, before noise)
    let noise: Double           // standard deviation of the isotropic noise

    init(rows n: Int, variances: [Double], columns p: Int, noise: Double, seed: UInt64) {
        var rng = PCARandom(seed: seed)
        // Orthonormal directions by Gram–Schmidt on random vectors.
        var dirs: [[Double]] = []
        while dirs.count < variances.count {
            var v = (0 ..< p).map { _ in rng.normal() }
            for d in dirs { let dot = zip(v, d).map(*).reduce(0, +); v = zip(v, d).map { $0 - dot * $1 } }
            let len = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            dirs.append(v.map { $0 / len })
        }
        let mean = (0 ..< p).map { Double($0) * 10 - 3 }
        var values = [Double](repeating: 0, count: n * p)
        for r in 0 ..< n {
            for j in 0 ..< p { values[r * p + j] = mean[j] + noise * rng.normal() }
            for (k, d) in dirs.enumerated() {
                let a = variances[k].squareRoot() * rng.normal()
                for j in 0 ..< p { values[r * p + j] += a * d[j] }
            }
        }
        data = Matrix(rows: n, columns: p, values: values)
        directions = Matrix(dirs)
        self.variances = variances
        self.noise = noise
    }
}
