import Dispatch
import FoundationEssentials
import Glibc

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
}
