import Foundation

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
    /// All values of column `name` as Double, parsed in parallel straight from the file's bytes.
    /// - Throws: `missingColumn`, or `valueNotNumeric` (file line and column) / `notANumber` naming the first
    ///   offending row (1-based).
    public func doubles(_ name: String) throws -> [Double] {
        try doubles(column: try requireColumn(name))
    }

    /// All values of column `name` as Int (decimal integers only).
    /// - Throws: `missingColumn`, or `valueNotNumeric` / `notANumber` naming the first offending row.
    public func ints(_ name: String) throws -> [Int] {
        try ints(column: try requireColumn(name))
    }

    /// All values of column index `c` as Double.
    public func doubles(column c: Int) throws -> [Double] {
        try decode(column: c, as: Double.self) { NumberParsing.double($0, $1) }
    }

    /// All values of column index `c` as Int.
    public func ints(column c: Int) throws -> [Int] {
        try decode(column: c, as: Int.self) { NumberParsing.int($0, $1) }
    }

    /// Decode a column in parallel chunks of rows; throws for the first row that does not decode.
    func decode<T>(column c: Int, as: T.Type, _ parse: (UnsafePointer<UInt8>, Int) -> T?) throws -> [T] {
        let n = rowCount
        let base = storage.bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
        var firstBad = Int.max
        let out = [T](unsafeUninitializedCapacity: n) { buf, count in
            let ptr = buf
            let bad = Parallel.mapChunks(count: n, minChunk: 1 << 15) { range -> Int? in
                var failed: Int? = nil
                cells.forEach(column: c, rows: range) { r, cell in
                    if failed != nil { return }
                    if let v = parse(base + STARCells.offset(cell), STARCells.length(cell)) {
                        (ptr.baseAddress! + r).initialize(to: v)
                    } else {
                        failed = r
                    }
                }
                return failed
            }
            firstBad = bad.compactMap { $0 }.min() ?? Int.max
            // Values of chunks after a failure may be uninitialised; only a complete result is returned.
            count = firstBad == Int.max ? n : 0
            if firstBad != Int.max {
                // Deinitialise nothing: T is trivial for Int/Double; the array is discarded.
            }
        }
        if firstBad != Int.max { throw notANumberError(row: firstBad, column: c) }
        return withExtendedLifetime(storage) { out }
    }

    /// The error for a cell that is not a number, with its file position when known.
    func notANumberError(row r: Int, column c: Int) -> STARError {
        let value = String(string(row: r, column: c).prefix(60))
        if let pos = position(row: r, column: c) {
            return .valueNotNumeric(path: path, line: pos.line, column: pos.column, block: blockName, columnName: columns[c], row: r + 1, value: value)
        }
        return .notANumber(path: path, block: blockName, column: columns[c], row: r + 1, value: value)
    }

    /// The kind of column `c` and, for numbers, min/max/mean. One parallel pass.
    public func summary(column c: Int) -> STARColumnSummary {
        let n = rowCount
        guard n > 0 else { return STARColumnSummary(name: columns[c], kind: .string) }
        let base = storage.bytes.baseAddress!
        struct Part { var allInt = true, allNumber = true, min = Double.infinity, max = -Double.infinity, sum = 0.0 }
        let scan = { (range: Range<Int>) -> Part in
            var p = Part()
            cells.forEach(column: c, rows: range) { _, cell in
                guard p.allNumber else { return }
                let s = base + STARCells.offset(cell), len = STARCells.length(cell)
                let v: Double
                if p.allInt, let i = NumberParsing.int(s, len) { v = Double(i) } else if let d = NumberParsing.double(s, len) {
                    p.allInt = false; v = d
                } else { p.allNumber = false; return }
                if v < p.min { p.min = v }
                if v > p.max { p.max = v }
                p.sum += v
            }
            return p
        }
        // Short columns are scanned here: a million one-row columns must not start a million parallel jobs.
        let minChunk = 1 << 15
        let parts = n < 2 * minChunk ? [scan(0 ..< n)] : Parallel.mapChunks(count: n, minChunk: minChunk, scan)
        let allNumber = parts.allSatisfy { $0.allNumber }
        guard allNumber else { return withExtendedLifetime(storage) { STARColumnSummary(name: columns[c], kind: .string) } }
        let kind: STARColumnKind = parts.allSatisfy { $0.allInt } ? .int : .double
        return withExtendedLifetime(storage) {
            STARColumnSummary(name: columns[c], kind: kind, min: parts.map(\.min).min(), max: parts.map(\.max).max(),
                              mean: parts.reduce(0) { $0 + $1.sum } / Double(n))
        }
    }

    /// Summaries of every column, in column order.
    public func summaries() -> [STARColumnSummary] { (0 ..< columns.count).map { summary(column: $0) } }
}
