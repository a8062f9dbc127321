import Foundation

/// A STAR loop: named columns and rows of values.
///
/// Values are kept as byte ranges into one shared UTF-8 buffer, so parsing a million-row particle file does not
/// build a `String` per cell; typed access (`double`, `int`, `string`) decodes a cell only when asked.
/// Column names are stored without the leading underscore; lookups accept either form.
public struct STARTable {
    /// Column names in file order, without the leading underscore (e.g. `rlnClassNumber`).
    public private(set) var columns: [String]
    /// Number of rows.
    public private(set) var rowCount: Int
    /// Name of the block holding this table, for error messages.
    public var blockName: String
    /// Path of the document, for error messages.
    public var path: String

    /// Shared text storage and per-cell (offset, length) pairs, row-major.
    var storage: STARStorage
    var cellOffsets: [UInt32]
    var cellLengths: [UInt32]
    /// Offset added to every cell offset (lets a table address a window of a large buffer).
    var base: Int

    private var index: [String: Int]

    /// A table built from strings (for writing new files).
    public init(columns: [String], rows: [[String]], blockName: String = "", path: String = "<memory>") {
        let cols = columns.map(STARTable.normalise)
        var bytes: [UInt8] = []
        var offsets: [UInt32] = [], lengths: [UInt32] = []
        offsets.reserveCapacity(rows.count * cols.count)
        lengths.reserveCapacity(rows.count * cols.count)
        for row in rows {
            precondition(row.count == cols.count, "row has \(row.count) values for \(cols.count) columns")
            for v in row {
                offsets.append(UInt32(bytes.count)); lengths.append(UInt32(v.utf8.count)); bytes.append(contentsOf: v.utf8)
            }
        }
        self.init(columns: cols, rowCount: rows.count, storage: STARStorage(bytes: bytes), offsets: offsets, lengths: lengths,
                  base: 0, blockName: blockName, path: path)
    }

    init(columns: [String], rowCount: Int, storage: STARStorage, offsets: [UInt32], lengths: [UInt32], base: Int,
         blockName: String, path: String) {
        self.columns = columns
        self.rowCount = rowCount
        self.storage = storage
        self.cellOffsets = offsets
        self.cellLengths = lengths
        self.base = base
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
        let k = row * columns.count + column
        let off = base + Int(cellOffsets[k]), len = Int(cellLengths[k])
        return try storage.withBytes { all in try body(UnsafeBufferPointer(rebasing: all[off ..< off + len])) }
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

    /// All values of column `name` as Double.
    /// - Throws: `missingColumn`, or `notANumber` naming the first offending row (1-based).
    public func doubles(_ name: String) throws -> [Double] {
        let c = try requireColumn(name)
        var out = [Double](repeating: 0, count: rowCount)
        for r in 0 ..< rowCount {
            guard let v = double(row: r, column: c) else {
                throw STARError.notANumber(path: path, block: blockName, column: columns[c], row: r + 1, value: string(row: r, column: c))
            }
            out[r] = v
        }
        return out
    }

    /// All values of column `name` as Int.
    public func ints(_ name: String) throws -> [Int] {
        let c = try requireColumn(name)
        var out = [Int](repeating: 0, count: rowCount)
        for r in 0 ..< rowCount {
            guard let v = int(row: r, column: c) else {
                throw STARError.notANumber(path: path, block: blockName, column: columns[c], row: r + 1, value: string(row: r, column: c))
            }
            out[r] = v
        }
        return out
    }

    /// All values of column `name` as String.
    public func strings(_ name: String) throws -> [String] {
        let c = try requireColumn(name)
        return (0 ..< rowCount).map { string(row: $0, column: c) }
    }

    /// One row as Strings.
    public func row(_ r: Int) -> [String] { (0 ..< columns.count).map { string(row: r, column: $0) } }

    /// A new table with only the rows at `rows` (in that order).
    public func selecting(rows: [Int]) -> STARTable {
        var offs: [UInt32] = [], lens: [UInt32] = []
        offs.reserveCapacity(rows.count * columns.count); lens.reserveCapacity(rows.count * columns.count)
        for r in rows {
            let k = r * columns.count
            offs.append(contentsOf: cellOffsets[k ..< k + columns.count])
            lens.append(contentsOf: cellLengths[k ..< k + columns.count])
        }
        return STARTable(columns: columns, rowCount: rows.count, storage: storage, offsets: offs, lengths: lens, base: base,
                         blockName: blockName, path: path)
    }
}

/// Immutable shared bytes behind STAR tables (the parsed file, or strings given by the user).
final class STARStorage {
    private let owner: AnyObject?
    private let pointer: UnsafeBufferPointer<UInt8>
    private var array: [UInt8]

    init(bytes: [UInt8]) {
        array = bytes
        owner = nil
        pointer = UnsafeBufferPointer(start: nil, count: 0)
    }

    /// Bytes owned by `owner` (e.g. a memory-mapped `FileBytes`), kept alive as long as the storage.
    init(pointer: UnsafeBufferPointer<UInt8>, owner: AnyObject) {
        self.pointer = pointer
        self.owner = owner
        array = []
    }

    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if owner != nil { return try body(pointer) }
        return try array.withUnsafeBufferPointer(body)
    }
}
