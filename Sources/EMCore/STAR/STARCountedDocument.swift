import Dispatch
import FoundationEssentials
import Glibc

/// A STAR file read to count the values of one column (`emtools star FILE --count-by NAME`).
public struct STARCountedDocument {
    /// The blocks, pairs and loops of the file. The big loops that have the column were only counted while
    /// scanned: their tables have the columns but no rows, so use `counts(block:table:)` for them.
    public let document: STARDocument
    /// Counts of the loops counted while scanned, by the loop's number in the file (from 0).
    private let loopCounts: [Int: [String: Int]]
    /// The counted column, without the leading underscore.
    public let column: String

    /// Read `path`, counting the values of column `name` (with or without `_`) in its big loops while they
    /// are scanned, over all cores, without keeping where each value lies. Any other loop, and any big loop
    /// with something unusual in it, is read as `STARDocument.read` reads it, so the errors are the same.
    /// - Throws: `FileError` for missing/unreadable files, `STARError` for syntax errors (with line and column).
    public static func read(_ path: String, countingBy name: String) throws -> STARCountedDocument {
        let file = try FileBytes.open(path)
        let bytes = UnsafeBufferPointer(start: file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: file.bytes.count)
        var options = STARParseOptions.default
        options.counting = STARTable.normalise(name)
        var parser = STARParser(storage: STARStorage(pointer: bytes, owner: file), path: path, options: options)
        let doc = try parser.parse()
        return STARCountedDocument(document: doc, loopCounts: parser.loopCounts, column: STARTable.normalise(name))
    }

    /// Number of rows for each distinct value of the column in table `table` of block `block`, sorted as
    /// `STARTable.counts(by:)` sorts them.
    /// - Throws: `missingColumn` when that table has no such column.
    public func counts(block: Int, table: Int) throws -> [(value: String, count: Int)] {
        let ordinal = document.blocks[..<block].reduce(0) { $0 + $1.tables.count } + table
        if let counts = loopCounts[ordinal] { return STARTable.sorted(counts) }
        return try document.blocks[block].tables[table].counts(by: column)
    }
}
