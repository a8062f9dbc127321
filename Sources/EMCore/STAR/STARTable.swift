import Dispatch
import FoundationEssentials
import Glibc

/// A STAR loop: named columns and rows of values.
///
/// Values are kept as byte ranges into one shared UTF-8 buffer (the memory-mapped file), so parsing a
/// million-row particle file does not build a `String` per cell; typed access (`double`, `int`, `string`,
/// and the whole-column `doubles`, `ints`) decodes a cell only when asked.
/// Column names are stored without the leading underscore; lookups accept either form.
public struct STARTable {
    /// Column names in file order, without the leading underscore (e.g. `rlnClassNumber`).
    public private(set) var columns: [String]
    /// Number of rows.
    public var rowCount: Int { cells.rowCount }
    /// Name of the block holding this table, for error messages.
    public var blockName: String
    /// Path of the document, for error messages.
    public var path: String

    /// Shared text and where each cell lies in it.
    var storage: STARStorage
    var cells: STARCells
    /// Field widths to write with (RELION layout), when known from tables this one was made from.
    var widthHints: [Int]? = nil

    private var index: [String: Int]

    /// A table built from strings (for writing new files).
    public init(columns: [String], rows: [[String]], blockName: String = "", path: String = "<memory>") {
        let cols = columns.map(STARTable.normalise)
        var bytes: [UInt8] = []
        var packed: [UInt64] = []
        packed.reserveCapacity(rows.count * cols.count)
        for row in rows {
            precondition(row.count == cols.count, "row has \(row.count) values for \(cols.count) columns")
            for v in row {
                packed.append(STARCells.pack(offset: bytes.count, length: v.utf8.count))
                bytes.append(contentsOf: v.utf8)
            }
        }
        self.init(columns: cols, cells: STARCells(width: cols.count, cells: packed), storage: STARStorage(bytes: bytes),
                  blockName: blockName, path: path)
    }

    init(columns: [String], cells: STARCells, storage: STARStorage, blockName: String, path: String) {
        self.columns = columns
        self.cells = cells
        self.storage = storage
        self.blockName = blockName
        self.path = path
        var idx: [String: Int] = [:]
        for (i, c) in columns.enumerated() where idx[c] == nil { idx[c] = i }
        index = idx
    }

    /// `name` without a leading underscore.
    public static func normalise(_ name: String) -> String { name.hasPrefix("_") ? String(name.dropFirst()) : name }

    /// Index of column `name` (with or without the leading underscore), or nil.
    public func columnIndex(_ name: String) -> Int? { index[STARTable.normalise(name)] }

    /// Index of column `name`, or `STARError.missingColumn`.
    public func requireColumn(_ name: String) throws -> Int {
        guard let i = columnIndex(name) else { throw STARError.missingColumn(path: path, block: blockName, column: STARTable.normalise(name)) }
        return i
    }

    /// The raw UTF-8 bytes of a cell (quotes already removed).
    @inline(__always)
    public func withCellBytes<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let c = cells.cell(row: row, column: column)
        return try body(UnsafeBufferPointer(start: storage.bytes.baseAddress.map { $0 + STARCells.offset(c) }, count: STARCells.length(c)))
    }

    /// A cell as a String.
    public func string(row: Int, column: Int) -> String {
        withCellBytes(row: row, column: column) { String(decoding: $0, as: UTF8.self) }
    }

    /// A cell as a Double (nil when it is not a number), parsed from its bytes without building a String.
    public func double(row: Int, column: Int) -> Double? {
        withCellBytes(row: row, column: column) { NumberParsing.double($0) }
    }

    /// A cell as an Int (nil when it is not an integer).
    public func int(row: Int, column: Int) -> Int? {
        withCellBytes(row: row, column: column) { NumberParsing.int($0) }
    }

    /// All values of column `name` as String.
    public func strings(_ name: String) throws -> [String] {
        let c = try requireColumn(name)
        return (0 ..< rowCount).map { string(row: $0, column: c) }
    }

    /// One row as Strings.
    public func row(_ r: Int) -> [String] { (0 ..< columns.count).map { string(row: r, column: $0) } }

    /// A new table with only the rows at `rows` (in that order), sharing this table's text.
    public func selecting(rows: [Int]) -> STARTable {
        var packed: [UInt64] = []
        packed.reserveCapacity(rows.count * columns.count)
        for r in rows { for c in 0 ..< columns.count { packed.append(cells.cell(row: r, column: c)) } }
        var t = STARTable(columns: columns, cells: STARCells(width: columns.count, cells: packed), storage: storage,
                          blockName: blockName, path: path)
        t.widthHints = widthHints
        return t
    }

    /// A new table with only the columns at `indices` (in that order), sharing this table's text.
    public func selecting(columns indices: [Int]) -> STARTable {
        var packed: [UInt64] = []
        packed.reserveCapacity(rowCount * indices.count)
        for r in 0 ..< rowCount { for c in indices { packed.append(cells.cell(row: r, column: c)) } }
        var t = STARTable(columns: indices.map { columns[$0] }, cells: STARCells(width: indices.count, cells: packed),
                          storage: storage, blockName: blockName, path: path)
        if let h = widthHints { t.widthHints = indices.map { h[$0] } }
        return t
    }

    /// A new table with the columns named in `names` (with or without `_`), in that order.
    /// - Throws: `missingColumn` for a name the table does not have.
    public func selecting(columnNames names: [String]) throws -> STARTable {
        try selecting(columns: names.map { try requireColumn($0) })
    }

    /// The rows of `tables` one after another, in this table's column order. Every table must have the
    /// same set of columns (order may differ).
    /// - Throws: `STARTableMismatch` naming the first table whose columns differ.
    public static func concatenating(_ tables: [STARTable]) throws -> STARTable {
        guard let first = tables.first else { return STARTable(columns: [], rows: []) }
        let widths = first.writeWidths()
        var bytes: [UInt8] = []
        var packed: [UInt64] = []
        let total = tables.reduce(0) { $0 + $1.rowCount }
        packed.reserveCapacity(total * first.columns.count)
        for t in tables {
            guard Set(t.columns) == Set(first.columns), t.columns.count == first.columns.count else {
                throw STARTableMismatch(path: t.path, block: t.blockName, expected: first.columns, found: t.columns)
            }
            let map = first.columns.map { t.columnIndex($0)! }
            for r in 0 ..< t.rowCount {
                for c in map {
                    t.withCellBytes(row: r, column: c) { b in
                        packed.append(STARCells.pack(offset: bytes.count, length: b.count))
                        bytes.append(contentsOf: b)
                    }
                }
            }
        }
        var out = STARTable(columns: first.columns, cells: STARCells(width: first.columns.count, cells: packed),
                            storage: STARStorage(bytes: bytes), blockName: first.blockName, path: first.path)
        out.widthHints = widths
        return out
    }

    /// 1-based line and column in the file of a cell, when the table was read from a file or text.
    public func position(row: Int, column: Int) -> (line: Int, column: Int)? {
        guard storage.isSource else { return nil }
        return storage.position(of: STARCells.offset(cells.cell(row: row, column: column)))
    }
}

/// Tables to be merged do not have the same columns.
public struct STARTableMismatch: Error, CustomStringConvertible, Equatable {
    public var path: String, block: String, expected: [String], found: [String]
    public var description: String {
        let missing = expected.filter { !found.contains($0) }, extra = found.filter { !expected.contains($0) }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("lacks \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("has extra \(extra.joined(separator: ", "))") }
        return "\(path): block '\(block)' does not have the same columns as the first table (\(parts.joined(separator: "; ")))"
    }
}
