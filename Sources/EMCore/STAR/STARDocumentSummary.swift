import Dispatch
import FoundationEssentials
import Glibc

/// A loop's row count and per-column summaries.
public struct STARTableSummary: Sendable {
    /// Number of rows.
    public var rows: Int
    /// Each column's kind and, for numbers, min/max/mean, in column order.
    public var columns: [STARColumnSummary]
}

/// What `emtools star FILE` shows of a STAR file: its blocks, their pairs and the summaries of their loops.
public struct STARDocumentSummary: Sendable {
    /// One data block.
    public struct Block: Sendable {
        /// Block name without `data_`.
        public var name: String
        /// The block's RELION `# version N`, if the file had one.
        public var version: Int?
        /// Key–value pairs in file order (keys without the leading underscore).
        public var pairs: [(key: String, value: String)]
        /// Loops in file order.
        public var tables: [STARTableSummary]
    }

    /// The path the file was read from.
    public var path: String
    /// Blocks in file order.
    public var blocks: [Block]

    /// Read and summarise a STAR file. Big loops are summarised while they are scanned, over all cores,
    /// without keeping where each value lies (memory: the file's text); any other loop, and any big loop
    /// with something unusual in it, is read as `STARDocument.read` reads it and then summarised, so the
    /// errors are the same.
    /// - Throws: `FileError` for missing/unreadable files, `STARError` for syntax errors (with line and column).
    public static func read(_ path: String) throws -> STARDocumentSummary {
        let file = try FileBytes.open(path)
        let bytes = UnsafeBufferPointer(start: file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: file.bytes.count)
        var options = STARParseOptions.default
        options.summarising = true
        var parser = STARParser(storage: STARStorage(pointer: bytes, owner: file), path: path, options: options)
        let doc = try parser.parse()
        var ordinal = 0
        let blocks = doc.blocks.map { b in
            Block(name: b.name, version: b.version, pairs: b.pairs, tables: b.tables.map { t in
                defer { ordinal += 1 }
                return parser.loopSummaries[ordinal] ?? STARTableSummary(rows: t.rowCount, columns: t.summaries())
            })
        }
        return STARDocumentSummary(path: path, blocks: blocks)
    }
}
