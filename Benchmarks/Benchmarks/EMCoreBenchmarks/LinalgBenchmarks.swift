import BareLinalg
import Benchmark
import EMCore
import Foundation

/// Linear algebra on OpenBLAS/LAPACKE: covariance (dsyrk on centred blocks) of a 1,000,000 × 12 table, the whole
/// PCA of it, and the eigen-decomposition (dsyevd, and dsyevr) of a 2000 × 2000 symmetric matrix. Data is made in
/// setup. Each EMCore figure has a "bare" twin beside it — the same OpenBLAS/LAPACKE calls from C with no Swift
/// around them (BareLinalg) on the same data — so the ratio EMCore / bare comes from one run (issue 6's target:
/// within 1.3×).
func linalgBenchmarks() {
    Benchmark("Covariance + eigen 1000000 × 12 (EMCore)") { benchmark, data in
        for _ in benchmark.scaledIterations {
            try Throughput.record(benchmark, rows: data.rows) {
                blackHole(try SymmetricEigen(Covariance.matrix(of: data)).values)
            }
        }
    } setup: {
        LinalgData.table(rows: 1_000_000, columns: 12)
    }

    Benchmark("Covariance + eigen 1000000 × 12 (bare OpenBLAS/LAPACKE)") { benchmark, data in
        var table = data.values
        var values = [Double](repeating: 0, count: data.columns)
        for _ in benchmark.scaledIterations {
            Throughput.record(benchmark, rows: data.rows) {
                // Centring in place is idempotent up to round-off, so later iterations do the same work.
                let info = bare_covariance_eigen(&table, Int32(data.rows), Int32(data.columns), &values)
                precondition(info == 0, "LAPACKE_dsyevd failed: \(info)")
                blackHole(values)
            }
        }
    } setup: {
        LinalgData.table(rows: 1_000_000, columns: 12)
    }

    Benchmark("Covariance + eigen 1000000 × 12 (bare calls only, table centred beforehand)") { benchmark, data in
        var values = [Double](repeating: 0, count: data.columns)
        for _ in benchmark.scaledIterations {
            Throughput.record(benchmark, rows: data.rows) {
                let info = bare_covariance_eigen_calls(data.values, Int32(data.rows), Int32(data.columns), &values)
                precondition(info == 0, "LAPACKE_dsyevd failed: \(info)")
                blackHole(values)
            }
        }
    } setup: {
        LinalgData.centred(LinalgData.table(rows: 1_000_000, columns: 12))
    }

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

    Benchmark("Symmetric eigen 2000 × 2000 (bare LAPACKE dsyevd)") { benchmark, a in
        var values = [Double](repeating: 0, count: a.rows)
        for _ in benchmark.scaledIterations {
            let info = bare_symmetric_eigen(a.values, Int32(a.rows), &values)
            precondition(info == 0, "LAPACKE_dsyevd failed: \(info)")
            blackHole(values)
        }
    } setup: {
        LinalgData.symmetric(2000)
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

    /// `m` with each column's mean subtracted.
    static func centred(_ m: Matrix) -> Matrix {
        var c = m
        let means = Covariance.columnMeans(m)
        for r in 0 ..< m.rows { for k in 0 ..< m.columns { c.values[r * m.columns + k] -= means[k] } }
        return c
    }

    /// A random symmetric `n` × `n` matrix.
    static func symmetric(_ n: Int) -> Matrix {
        var g = SplitMix64(seed: 11)
        var m = Matrix(rows: n, columns: n)
        for i in 0 ..< n { for j in 0 ... i { let v = g.nextGaussian(); m.values[i * n + j] = v; m.values[j * n + i] = v } }
        return m
    }

}
