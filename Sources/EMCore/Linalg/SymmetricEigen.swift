import CLAPACKE
import Dispatch
import FoundationEssentials
import Glibc

/// Eigenvalues and eigenvectors of a real symmetric matrix, computed by LAPACK (`LAPACKE_dsyevr` or
/// `LAPACKE_dsyevd`, backed by OpenBLAS), sorted by **decreasing** eigenvalue.
///
/// Each eigenvector has unit length; its sign is fixed so that its component of largest magnitude is positive
/// (LAPACK's own sign is arbitrary), which makes results reproducible across runs and libraries.
public struct SymmetricEigen {
    /// The LAPACK driver.
    public enum Driver: String, Codable, Sendable {
        /// `dsyevr` (MRRR, "relatively robust representations").
        case relativelyRobust
        /// `dsyevd` (divide and conquer): the default, and what `numpy.linalg.eigh` calls. For all
        /// eigenpairs of a 2000 × 2000 matrix it measured 0.66 s against 1.0 s for `dsyevr` (OpenBLAS 0.3, 2 cores).
        case divideAndConquer
    }

    /// Eigenvalues, largest first.
    public let values: [Double]
    /// Eigenvectors as rows: row k (`vectors.row(k)`) belongs to `values[k]`.
    public let vectors: Matrix

    /// Decompose the symmetric matrix `a` (only its upper triangle is read).
    /// - Throws: `LAPACKError` when LAPACK fails (e.g. NaN in the matrix).
    /// - Precondition: `a` is square.
    /// - Complexity: O(n³).
    public init(_ a: Matrix, driver: Driver = .divideAndConquer) throws {
        precondition(a.rows == a.columns, "an eigen-decomposition needs a square matrix, got \(a.rows)×\(a.columns)")
        let n = a.rows
        guard n > 0 else { values = []; vectors = Matrix(rows: 0, columns: 0); return }
        // A symmetric row-major matrix is its own column-major transpose: hand it to LAPACK as column-major
        // (no copy inside LAPACKE); eigenvector j then comes back as the contiguous column j.
        var w = [Double](repeating: 0, count: n)
        var z: [Double]
        var info: Int32
        let N = Int32(n)
        switch driver {
        case .relativelyRobust:
            var work = a.values
            z = [Double](repeating: 0, count: n * n)
            var found: Int32 = 0
            var support = [Int32](repeating: 0, count: 2 * n)
            info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "A")), Int8(UInt8(ascii: "L")),
                                  N, &work, N, 0, 0, 0, 0, 0, &found, &w, &z, N, &support)
            if info != 0 { throw LAPACKError(function: "LAPACKE_dsyevr", info: info) }
        case .divideAndConquer:
            z = a.values
            info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "L")), N, &z, N, &w)
            if info != 0 { throw LAPACKError(function: "LAPACKE_dsyevd", info: info) }
        }
        // LAPACK sorts ascending; we want descending, as rows.
        var v = Matrix(rows: n, columns: n)
        v.values.withUnsafeMutableBufferPointer { out in
            z.withUnsafeBufferPointer { src in
                for k in 0 ..< n {
                    let col = src.baseAddress! + (n - 1 - k) * n
                    var big = 0.0, sign = 1.0
                    for i in 0 ..< n where abs(col[i]) > big { big = abs(col[i]); sign = col[i] < 0 ? -1 : 1 }
                    let row = out.baseAddress! + k * n
                    for i in 0 ..< n { row[i] = sign * col[i] }
                }
            }
        }
        values = w.reversed()
        vectors = v
    }
}
