import COpenBLAS
import Foundation

/// Column means and covariance of a data table (rows = observations, columns = variables).
public enum Covariance {
    /// How the sum of squared deviations is divided.
    public enum Divisor: String, Codable, Sendable {
        /// By N − 1 (the unbiased sample covariance; `numpy.cov`'s default).
        case sample
        /// By N (the population covariance; what `relion_flex_analyse` uses).
        case population
    }

    /// Number of rows centred and accumulated per `cblas_dsyrk` call: a block of 16384 × P doubles stays in
    /// cache while it is centred and multiplied, so no centred copy of the whole table is made.
    public static let blockRows = 16384

    /// The mean of each column.
    /// - Complexity: O(rows · columns), one pass over the data.
    public static func columnMeans(_ data: Matrix) -> [Double] {
        let n = data.rows, p = data.columns
        var sums = [Double](repeating: 0, count: p)
        guard n > 0 else { return sums }
        data.values.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0 ..< n {
                    let row = x.baseAddress! + r * p
                    for c in 0 ..< p { s[c] += row[c] }
                }
            }
        }
        return sums.map { $0 / Double(n) }
    }

    /// The P × P covariance matrix of the columns of `data` (N × P), both triangles filled.
    ///
    /// Rows are centred by `means` block by block and accumulated with `cblas_dsyrk` (C += Xcᵀ·Xc), then
    /// divided by N − 1 or N.
    /// - Parameter means: the column means; when nil they are computed in the same single pass
    ///   (`meansAndMatrix`).
    /// - Precondition: `data.rows >= 2` for `.sample`, `>= 1` for `.population`.
    /// - Complexity: O(N · P²) flops, one pass over the data.
    public static func matrix(of data: Matrix, means: [Double]? = nil, divisor: Divisor = .sample) -> Matrix {
        guard let mu = means else { return meansAndMatrix(of: data, divisor: divisor).matrix }
        precondition(mu.count == data.columns, "one mean per column")
        return accumulate(data, shift: mu, divisor: divisor).matrix
    }

    /// Column means and covariance matrix in one pass over `data`.
    ///
    /// Rows are shifted by the mean of the first block (not the final mean, which is not known yet), the
    /// shifted blocks are accumulated with `cblas_dsyrk` and their column sums kept; at the end
    /// C = (Σ (x − s)(x − s)ᵀ − N·d·dᵀ) / divisor with d = mean − s. Because s is already close to the mean,
    /// the correction is tiny and loses no precision (unlike the textbook Σxxᵀ − N·μμᵀ).
    /// - Complexity: O(N · P²) flops, one pass over the data.
    public static func meansAndMatrix(of data: Matrix, divisor: Divisor = .sample) -> (means: [Double], matrix: Matrix) {
        let n = data.rows, p = data.columns
        var shift = [Double](repeating: 0, count: p)
        let first = Swift.min(blockRows, n)
        data.values.withUnsafeBufferPointer { x in
            for r in 0 ..< first { for k in 0 ..< p { shift[k] += x[r * p + k] } }
        }
        if first > 0 { for k in 0 ..< p { shift[k] /= Double(first) } }
        let (c, sums) = accumulate(data, shift: shift, divisor: divisor)
        let d = sums.map { $0 / Double(Swift.max(n, 1)) }
        var m = c
        let denominator = Double(divisor == .sample ? n - 1 : n)
        for i in 0 ..< p { for j in 0 ..< p { m.values[i * p + j] -= Double(n) * d[i] * d[j] / denominator } }
        return (zip(shift, d).map { $0 + $1 }, m)
    }

    /// Σ (x − shift)(x − shift)ᵀ / divisor over all rows (both triangles), and the column sums of x − shift.
    static func accumulate(_ data: Matrix, shift mu: [Double], divisor: Divisor) -> (matrix: Matrix, sums: [Double]) {
        let n = data.rows, p = data.columns
        let denominator = Double(divisor == .sample ? n - 1 : n)
        precondition(denominator > 0, "covariance needs at least \(divisor == .sample ? 2 : 1) rows")
        var c = Matrix(rows: p, columns: p)
        var sums = [Double](repeating: 0, count: p)
        guard p > 0 else { return (c, sums) }
        let block = Swift.min(blockRows, n)
        var scratch = [Double](repeating: 0, count: block * p)
        data.values.withUnsafeBufferPointer { x in
            scratch.withUnsafeMutableBufferPointer { s in
                c.values.withUnsafeMutableBufferPointer { cc in
                    sums.withUnsafeMutableBufferPointer { sum in
                        var start = 0
                        while start < n {
                            let count = Swift.min(block, n - start)
                            let src = x.baseAddress! + start * p
                            for r in 0 ..< count {
                                let i = src + r * p, o = s.baseAddress! + r * p
                                for k in 0 ..< p { let v = i[k] - mu[k]; o[k] = v; sum[k] += v }
                            }
                            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(count), 1 / denominator,
                                        s.baseAddress, Int32(p), 1, cc.baseAddress, Int32(p))
                            start += count
                        }
                    }
                }
            }
        }
        for i in 0 ..< p { for j in 0 ..< i { c.values[i * p + j] = c.values[j * p + i] } }
        return (c, sums)
    }
}
