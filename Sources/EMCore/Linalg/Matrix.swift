import COpenBLAS
import Dispatch
import FoundationEssentials
import Glibc

/// A dense real matrix stored row by row (row-major, C order): element (r, c) is `values[r * columns + c]`.
///
/// For a data table the rows are observations (particles) and the columns are variables, the layout numpy
/// uses for a C-contiguous `(rows, columns)` array. Products call OpenBLAS (`cblas_dgemm`).
public struct Matrix: Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The elements, row-major, `rows * columns` of them.
    public var values: [Double]

    /// A `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows; self.columns = columns
        values = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix wrapping `values` (row-major); `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix of \(rows)×\(columns) needs \(rows * columns) values, got \(values.count)")
        self.rows = rows; self.columns = columns; self.values = values
    }

    /// A matrix from an array of rows (all the same length).
    public init(_ rowArrays: [[Double]]) {
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "all rows must have the same length")
        self.init(rows: rowArrays.count, columns: c, values: rowArrays.flatMap { $0 })
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0 ..< n { m.values[i * n + i] = 1 }
        return m
    }

    /// Element (row `r`, column `c`), 0-based.
    @inlinable public subscript(r: Int, c: Int) -> Double {
        get { values[r * columns + c] }
        set { values[r * columns + c] = newValue }
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Double] { Array(values[(r * columns) ..< ((r + 1) * columns)]) }

    /// Column `c` as an array.
    public func column(_ c: Int) -> [Double] { (0 ..< rows).map { values[$0 * columns + c] } }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for r in 0 ..< rows { for c in 0 ..< columns { t.values[c * rows + r] = values[r * columns + c] } }
        return t
    }

    /// The matrix product `a · b` (`cblas_dgemm`).
    /// - Complexity: O(a.rows · a.columns · b.columns).
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        a.multiplied(by: b)
    }

    /// `op(self) · op(other)` with optional transposes, by `cblas_dgemm` (no transposed copy is made).
    public func multiplied(by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false) -> Matrix {
        let m = transposingSelf ? columns : rows, k = transposingSelf ? rows : columns
        let k2 = transposingOther ? other.columns : other.rows, n = transposingOther ? other.rows : other.columns
        precondition(k == k2, "matrix product of \(m)×\(k) and \(k2)×\(n): inner dimensions differ")
        var out = Matrix(rows: m, columns: n)
        guard m > 0 && n > 0 else { return out }
        if k == 0 { return out }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, transposingSelf ? CblasTrans : CblasNoTrans,
                                transposingOther ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                a.baseAddress, Int32(columns), b.baseAddress, Int32(other.columns), 0, c.baseAddress, Int32(n))
                }
            }
        }
        return out
    }

    /// The largest absolute difference between two matrices of the same shape.
    public func maxAbsoluteDifference(_ other: Matrix) -> Double {
        precondition(rows == other.rows && columns == other.columns, "shapes differ")
        var d = 0.0
        for i in values.indices { d = Swift.max(d, abs(values[i] - other.values[i])) }
        return d
    }
}
