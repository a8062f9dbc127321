import COpenBLAS
import Dispatch
import Dispatch
import FoundationEssentials
import Glibc

/// Principal component analysis of an N × P table (rows = observations such as particles, columns =
/// variables), by the covariance matrix (`Covariance`, OpenBLAS `dsyrk`) and its eigen-decomposition
/// (`SymmetricEigen`, LAPACK `dsyevd` by default).
///
/// Columns are centred on their means; with `standardize` each is also divided by its standard deviation
/// (so the analysis is of the correlation matrix). Components are sorted by decreasing eigenvalue.
/// The amplitude of row x along component k is `Σ_j v_kj · (x_j − mean_j) / scale_j`.
///
/// ```swift
/// let pca = try PCA(data, columnNames: ["a", "b", "c"])
/// print(pca.explainedFraction[0])           // share of the total variance along the first eigenvector
/// let amplitudes = pca.project(data)        // N × P, column k = amplitudes along component k + 1
/// ```
///
/// Constant columns: without standardisation they simply add an eigenvalue of 0 (reported as 0 % of the
/// variance); with standardisation they are refused (`PCAError.constantColumn`). If every column is
/// constant the explained fractions are all 0.
public struct PCA {
    /// The largest number of columns analysed (4096: 134 MB per P × P matrix); more is refused with
    /// `PCAError.tooManyColumns` rather than allocating gigabytes. `SymmetricEigen` itself has no limit.
    public static let maximumColumns = 4096

    /// Names of the P columns (for reports), in input order.
    public let columnNames: [String]
    /// Number of rows analysed.
    public let rowCount: Int
    /// Column means (the centre).
    public let means: [Double]
    /// Divisor applied to each centred column: the standard deviation with `standardize`, else 1.
    public let scales: [Double]
    /// Whether columns were divided by their standard deviations.
    public let standardized: Bool
    /// How the covariance was normalised.
    public let divisor: Covariance.Divisor
    /// Eigenvalues of the covariance (or correlation) matrix, largest first, in the squared units of the
    /// (scaled) columns. Tiny negative round-off values are kept as LAPACK returns them.
    public let eigenvalues: [Double]
    /// Eigenvectors as rows (row k = component k + 1), unit length, largest component positive.
    public let eigenvectors: Matrix

    /// Fraction (0…1) of the total variance along each component: eigenvalue / sum of eigenvalues.
    public var explainedFraction: [Double] {
        let total = eigenvalues.reduce(0, +)
        return eigenvalues.map { total > 0 ? $0 / total : 0 }
    }

    /// Running sum of `explainedFraction`.
    public var cumulativeFraction: [Double] {
        var s = 0.0
        return explainedFraction.map { s += $0; return s }
    }

    /// The smallest number of leading components that together explain at least `fraction` of the
    /// variance (as `relion_flex_analyse --v`).
    public func componentsExplaining(_ fraction: Double) -> Int {
        let cum = cumulativeFraction
        return (cum.firstIndex { $0 >= fraction - 1e-12 } ?? (cum.count - 1)) + 1
    }

    /// Analyse `data`.
    /// - Parameters:
    ///   - columnNames: names for reports and errors (default `column 1`…).
    ///   - source: what the data came from (a file name), used in error messages.
    ///   - standardize: divide each centred column by its standard deviation.
    ///   - divisor: N − 1 (`.sample`, default, as `numpy.cov`) or N (`.population`, as RELION).
    ///   - driver: the LAPACK eigen-solver.
    /// - Throws: `PCAError` (too few rows: fewer than 2; no columns; too many columns; NaN/Inf; constant
    ///   column when standardising), `LAPACKError`.
    /// - Complexity: O(N·P² + P³).
    public init(_ data: Matrix, columnNames: [String]? = nil, source: String = "<table>", standardize: Bool = false,
                divisor: Covariance.Divisor = .sample, driver: SymmetricEigen.Driver = .divideAndConquer) throws {
        let p = data.columns, n = data.rows
        let names = columnNames ?? (0 ..< p).map { "column \($0 + 1)" }
        precondition(names.count == p, "one name per column")
        guard p > 0 else { throw PCAError.noColumns(source: source) }
        guard p <= PCA.maximumColumns else { throw PCAError.tooManyColumns(source: source, columns: p, limit: PCA.maximumColumns) }
        guard n >= 2 else { throw PCAError.tooFewRows(source: source, rows: n, needed: 2) }
        var (mu, c) = Covariance.meansAndMatrix(of: data, divisor: divisor)
        // NaN or Inf anywhere makes the covariance non-finite; only then look for the cell to name it.
        if c.values.contains(where: { !$0.isFinite }) || mu.contains(where: { !$0.isFinite }),
           let bad = data.values.firstIndex(where: { !$0.isFinite }) {
            throw PCAError.nonFinite(source: source, column: names[bad % p], row: bad / p + 1, value: data.values[bad])
        }
        var s = [Double](repeating: 1, count: p)
        if standardize {
            for j in 0 ..< p {
                let v = c[j, j]
                // Relative test: a column of equal values has round-off variance far below its magnitude.
                let magnitude = max(abs(mu[j]), 1e-300)
                guard v > 0, v.squareRoot() > 1e-12 * magnitude else {
                    throw PCAError.constantColumn(source: source, column: names[j])
                }
                s[j] = v.squareRoot()
            }
            for i in 0 ..< p { for j in 0 ..< p { c[i, j] /= s[i] * s[j] } }
        }
        let eig = try SymmetricEigen(c, driver: driver)
        self.columnNames = names; rowCount = n; means = mu; scales = s; standardized = standardize
        self.divisor = divisor; eigenvalues = eig.values; eigenvectors = eig.vectors
    }

    /// Amplitudes of each row of `data` (N × P, same columns as analysed) along the first `components`
    /// eigenvectors: an N × components matrix whose column k holds the amplitudes along component k + 1.
    ///
    /// Computed as (X − mean)·diag(1/scale)·Vᵀ: each core takes a run of rows, centres and scales them
    /// `Covariance.blockRows` at a time into a scratch block and multiplies that block with one `cblas_dgemm`
    /// (OpenBLAS on one thread per call, `BLASThreads.serial`), so no centred copy of the table is made.
    /// - Complexity: O(N · P · components) flops, one pass over the data.
    public func project(_ data: Matrix, components: Int? = nil) -> Matrix {
        let p = means.count, n = data.rows
        precondition(data.columns == p, "data has \(data.columns) columns, the analysis \(p)")
        let k = min(components ?? p, p)
        var out = Matrix(rows: n, columns: k)
        guard n > 0, k > 0 else { return out }
        let v = Array(eigenvectors.values[0 ..< k * p])
        let block = Covariance.blockRows
        let parts = Swift.max(1, Swift.min(Parallel.threadCount, n / (4 * block)))
        let size = (n + parts - 1) / parts
        BLASThreads.serial {
            data.values.withUnsafeBufferPointer { x in
                out.values.withUnsafeMutableBufferPointer { o in
                    let (src, dst) = (x.baseAddress!, o.baseAddress!)
                    DispatchQueue.concurrentPerform(iterations: parts) { t in
                        let lo = t * size, hi = Swift.min(n, lo + size)
                        guard lo < hi else { return }
                        var scratch = [Double](repeating: 0, count: Swift.min(block, hi - lo) * p)
                        scratch.withUnsafeMutableBufferPointer { sb in
                            var start = lo
                            while start < hi {
                                let count = Swift.min(block, hi - start)
                                for r in 0 ..< count {
                                    let i = src + (start + r) * p, c = sb.baseAddress! + r * p
                                    for j in 0 ..< p { c[j] = (i[j] - means[j]) / scales[j] }
                                }
                                // out[start ..< start + count] = scratch · Vᵀ (count × p times p × k).
                                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(k), Int32(p),
                                            1, sb.baseAddress, Int32(p), v, Int32(p), 0, dst + start * k, Int32(k))
                                start += count
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
