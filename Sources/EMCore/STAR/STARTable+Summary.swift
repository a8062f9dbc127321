import Dispatch
import FoundationEssentials
import Glibc

/// What a column holds, judged from all its values.
public enum STARColumnKind: String, Codable, Sendable {
    /// Every value is a decimal integer.
    case int
    /// Every value is a number and at least one is not an integer.
    case double
    /// At least one value is not a number (or the column is empty).
    case string
}

/// Numeric summary of a column.
public struct STARColumnSummary: Codable, Equatable, Sendable {
    /// Column name without the leading underscore.
    public var name: String
    public var kind: STARColumnKind
    /// Minimum, maximum and mean of the values (nil for string columns and empty tables).
    public var min: Double?, max: Double?, mean: Double?
}

extension STARTable {
    /// The kind of column `c` and, for numbers, min/max/mean.
    public func summary(column c: Int) -> STARColumnSummary { summaries(of: [c])[0] }

    /// Summaries of every column, in column order.
    public func summaries() -> [STARColumnSummary] { summaries(of: Array(0 ..< columns.count)) }

    /// Summaries of `wanted` columns in one parallel pass over the rows: each chunk of rows is read row by
    /// row (cells and text in file order) and keeps a running summary per column.
    func summaries(of wanted: [Int]) -> [STARColumnSummary] {
        let n = rowCount
        guard n > 0, !wanted.isEmpty else { return wanted.map { STARColumnSummary(name: columns[$0], kind: .string) } }
        let minChunk = 1 << 15
        // Short tables are scanned here: a million one-row tables must not start a million parallel jobs.
        let ranges = n < 2 * minChunk ? [0 ..< n] : Parallel.chunkRanges(count: n, minChunk: minChunk)
        let base = storage.bytes.baseAddress!
        let k = wanted.count
        var parts = [STARColumnScan](repeating: STARColumnScan(), count: ranges.count * k)
        parts.withUnsafeMutableBufferPointer { out in
            let all = out.baseAddress!
            let work = { (i: Int) in
                // Each chunk works on its own scans (no cache line shared with another core), copied out at the end.
                let mine = UnsafeMutablePointer<STARColumnScan>.allocate(capacity: k)
                mine.initialize(repeating: STARColumnScan(), count: k)
                defer { mine.deallocate() }
                wanted.withUnsafeBufferPointer { cols in
                    cells.forEachRow(rows: ranges[i]) { row in
                        for j in 0 ..< k where mine[j].allNumber {
                            let cell = row[cols[j]]
                            mine[j].add(base + STARCells.offset(cell), STARCells.length(cell))
                        }
                    }
                }
                (all + i * k).update(from: mine, count: k)
            }
            if ranges.count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: ranges.count, execute: work) }
        }
        return withExtendedLifetime(storage) {
            (0 ..< k).map { j in
                STARColumnScan.summary(name: columns[wanted[j]], rows: n, parts: stride(from: j, to: parts.count, by: k).map { parts[$0] })
            }
        }
    }
}

/// The running summary of one column over a run of rows.
///
/// The sum is compensated (each addition's rounding error is kept, Knuth's TwoSum), so the mean is the
/// correctly rounded mean for all practical inputs and does not depend on how the rows were split between
/// cores; with an infinity or NaN among the values it is the plain sum's.
struct STARColumnScan {
    var allInt = true, allNumber = true, min = Double.infinity, max = -Double.infinity
    /// The plain running sum and the sum of its rounding errors.
    var sum = 0.0, error = 0.0

    /// Take one cell: integers while every value so far was one, then doubles; a non-number ends the scan.
    @inline(__always)
    mutating func add(_ s: UnsafePointer<UInt8>, _ len: Int) {
        let v: Double
        if allInt, let i = NumberParsing.int(s, len) { v = Double(i) } else if let d = NumberParsing.double(s, len) {
            allInt = false; v = d
        } else { allNumber = false; return }
        if v < min { min = v }
        if v > max { max = v }
        let t = sum + v, back = t - sum
        error += (sum - (t - back)) + (v - back)
        sum = t
    }

    /// The summary of a column of `rows` values from the scans of its runs of rows, in row order.
    static func summary(name: String, rows: Int, parts: [STARColumnScan]) -> STARColumnSummary {
        guard rows > 0, parts.allSatisfy(\.allNumber) else { return STARColumnSummary(name: name, kind: .string) }
        let kind: STARColumnKind = parts.allSatisfy(\.allInt) ? .int : .double
        var total = STARColumnScan()
        for p in parts {
            let t = total.sum + p.sum, back = t - total.sum
            total.error += (total.sum - (t - back)) + (p.sum - back) + p.error
            total.sum = t
        }
        let sum = total.sum.isFinite && total.error.isFinite ? total.sum + total.error : total.sum
        return STARColumnSummary(name: name, kind: kind, min: parts.map(\.min).min(), max: parts.map(\.max).max(), mean: sum / Double(rows))
    }
}
