import COpenBLAS
import Dispatch
import Dispatch
import FoundationEssentials
import Glibc

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
    /// Large tables are split into one contiguous run of rows per core (at least 4 blocks each), each
    /// accumulated into its own partial matrix, and the partial matrices added; OpenBLAS runs one thread per
    /// call meanwhile (`BLASThreads.serial`).
    static func accumulate(_ data: Matrix, shift mu: [Double], divisor: Divisor) -> (matrix: Matrix, sums: [Double]) {
        let n = data.rows, p = data.columns
        let denominator = Double(divisor == .sample ? n - 1 : n)
        precondition(denominator > 0, "covariance needs at least \(divisor == .sample ? 2 : 1) rows")
        var c = Matrix(rows: p, columns: p)
        var sums = [Double](repeating: 0, count: p)
        guard p > 0 else { return (c, sums) }
        let parts = Swift.max(1, Swift.min(Parallel.threadCount, n / (4 * blockRows)))
        let size = (n + parts - 1) / parts
        var partials = [(c: [Double], sums: [Double])](repeating: ([], []), count: parts)
        // Each core runs its own dsyrk calls on cache-sized blocks: OpenBLAS's threads would only get in the way.
        BLASThreads.serial {
            data.values.withUnsafeBufferPointer { x in
                mu.withUnsafeBufferPointer { m in
                    partials.withUnsafeMutableBufferPointer { out in
                        let outp = out
                        DispatchQueue.concurrentPerform(iterations: parts) { t in
                            let lo = t * size, hi = Swift.min(n, lo + size)
                            outp[t] = accumulateRows(x.baseAddress! + lo * p, rows: Swift.max(0, hi - lo), columns: p,
                                                     shift: m.baseAddress!, scale: 1 / denominator)
                        }
                    }
                }
            }
        }
        for part in partials {
            for i in 0 ..< p * p { c.values[i] += part.c[i] }
            for k in 0 ..< p { sums[k] += part.sums[k] }
        }
        for i in 0 ..< p { for j in 0 ..< i { c.values[i * p + j] = c.values[j * p + i] } }
        return (c, sums)
    }

    /// One run of `rows` contiguous rows: centre `blockRows` rows at a time into a scratch block and add
    /// `scale`·blockᵀ·block to the upper triangle with `cblas_dsyrk`.
    static func accumulateRows(_ src: UnsafePointer<Double>, rows: Int, columns p: Int, shift mp: UnsafePointer<Double>,
                               scale: Double) -> (c: [Double], sums: [Double]) {
        var c = [Double](repeating: 0, count: p * p)
        var sums = [Double](repeating: 0, count: p)
        let block = Swift.min(blockRows, rows)
        guard block > 0 else { return (c, sums) }
        var scratch = [Double](repeating: 0, count: block * p)
        scratch.withUnsafeMutableBufferPointer { s in
            c.withUnsafeMutableBufferPointer { cc in
                sums.withUnsafeMutableBufferPointer { sum in
                    let dst = s.baseAddress!, sp = sum.baseAddress!
                    var start = 0
                    while start < rows {
                        let count = Swift.min(block, rows - start)
                        let from = src + start * p
                        for r in 0 ..< count {
                            let i = from + r * p, o = dst + r * p
                            for k in 0 ..< p { let v = i[k] - mp[k]; o[k] = v; sp[k] += v }
                        }
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(count), scale,
                                    dst, Int32(p), 1, cc.baseAddress, Int32(p))
                        start += count
                    }
                }
            }
        }
        return (c, sums)
    }
}
