import Benchmark
import EMCore
import Foundation

/// Linear algebra on OpenBLAS/LAPACKE: covariance (dsyrk on centred blocks) of a 1,000,000 × 12 table, the whole
/// PCA of it, and the eigen-decomposition (dsyevd, and dsyevr) of a 2000 × 2000 symmetric matrix. Data is made in
/// setup; the bare-call limits are measured by scripts/bench-peers.sh (Benchmarks/peers/limits/blas_pca.c).
func linalgBenchmarks() {
    Benchmark("Covariance 1000000 × 12") { benchmark, data in
        for _ in benchmark.scaledIterations {
            Throughput.record(benchmark, rows: data.rows) { blackHole(Covariance.matrix(of: data)) }
        }
    } setup: {
        LinalgData.table(rows: 1_000_000, columns: 12)
    }

    Benchmark("PCA 1000000 × 12") { benchmark, data in
        for _ in benchmark.scaledIterations {
            try Throughput.record(benchmark, rows: data.rows) { blackHole(try PCA(data).eigenvalues) }
        }
    } setup: {
        LinalgData.table(rows: 1_000_000, columns: 12)
    }

    for driver in [SymmetricEigen.Driver.divideAndConquer, .relativelyRobust] {
        Benchmark("Symmetric eigen 2000 × 2000 (\(driver.rawValue))") { benchmark, a in
            for _ in benchmark.scaledIterations { blackHole(try SymmetricEigen(a, driver: driver).values) }
        } setup: {
            LinalgData.symmetric(2000)
        }
    }
}

/// Deterministic random tables for the linear-algebra benchmarks.
enum LinalgData {
    /// `rows` × `columns` values: correlated columns (a random mix of a few latent factors plus noise).
    static func table(rows: Int, columns: Int) -> Matrix {
        var g = SplitMix64(seed: 7)
        let mix = (0 ..< 3 * columns).map { _ in g.nextGaussian() }
        var values = [Double](repeating: 0, count: rows * columns)
        for r in 0 ..< rows {
            let f = (g.nextGaussian(), g.nextGaussian(), g.nextGaussian())
            for c in 0 ..< columns {
                values[r * columns + c] = f.0 * mix[3 * c] + f.1 * mix[3 * c + 1] + f.2 * mix[3 * c + 2] + 0.1 * g.nextGaussian()
            }
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    /// A random symmetric `n` × `n` matrix.
    static func symmetric(_ n: Int) -> Matrix {
        var g = SplitMix64(seed: 11)
        var m = Matrix(rows: n, columns: n)
        for i in 0 ..< n { for j in 0 ... i { let v = g.nextGaussian(); m.values[i * n + j] = v; m.values[j * n + i] = v } }
        return m
    }

}
