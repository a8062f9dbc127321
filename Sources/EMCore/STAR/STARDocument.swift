import Dispatch
import FoundationEssentials
import Glibc

/// A STAR file: an ordered list of data blocks (`data_NAME`), as RELION 3.0–5.0 writes them.
///
/// ```swift
/// let doc = try STARDocument.read("run_data.star")
/// let particles = try doc.requireBlock("particles").requireTable()
/// let classes = try particles.ints("rlnClassNumber")        // by RELION name, with or without "_"
/// ```
public struct STARDocument {
    /// Blocks in file order.
    public var blocks: [STARBlock]
    /// The path the document was read from (used in error messages), or "<memory>".
    public var path: String
    /// Comment lines before the first block, each with its `#` (RELION's `# RELION optimiser; version 3.1.3`
    /// and command line); `# version N` lines are not among them (see `STARBlock.version`).
    public var header: [String] = []
    /// The white space the file was written with, reproduced when the document is written back
    /// (`.relion` for documents built in memory).
    public var layout: STARLayout = .relion

    public init(blocks: [STARBlock] = [], path: String = "<memory>") { self.blocks = blocks; self.path = path }

    /// The first block named `name` (without the `data_` prefix; `"data_optics"` is accepted too).
    public func block(_ name: String) -> STARBlock? {
        let n = name.hasPrefix("data_") ? String(name.dropFirst(5)) : name
        return blocks.first { $0.name == n }
    }

    /// The block named `name`, or `STARError.missingBlock`.
    public func requireBlock(_ name: String) throws -> STARBlock {
        guard let b = block(name) else { throw STARError.missingBlock(path: path, block: name) }
        return b
    }
}

/// The white space around a STAR file's structure. Both layouts hold the same values; a file is written back
/// in the layout it was read in, so that a file RELION wrote comes back byte for byte.
public enum STARLayout: String, Codable, Sendable {
    /// `MetaDataTable::write` of RELION 3.1 and 4.0: `loop_ `, `_name #N ` and every row end in a space, and
    /// a line of one space closes each table and key–value list.
    case relion
    /// The same lines without their trailing spaces, and an empty line where RELION writes one space: STAR
    /// files of RELION 5 projects seen in the wild (and any RELION file after an editor trimmed it).
    case trimmed

    /// The layout of STAR text `bytes`: trimmed when the first `loop_` ends its line, or, in a file without
    /// loops, when no line of one space closes a key–value list; else RELION's.
    static func detect(_ bytes: UnsafeBufferPointer<UInt8>) -> STARLayout {
        let n = bytes.count
        var i = 0
        while let at = find(Array("loop_".utf8), in: bytes, from: i) {
            if at == 0 || bytes[at - 1] == 0x0a {
                let next = at + 5 < n ? bytes[at + 5] : 0x0a
                return next == 0x0a || next == 0x0d ? .trimmed : .relion
            }
            i = at + 5
        }
        let hasPairs = n > 0 && (bytes[0] == UInt8(ascii: "_") || find([0x0a, UInt8(ascii: "_")], in: bytes, from: 0) != nil)
        return hasPairs && find([0x0a, 0x20, 0x0a], in: bytes, from: 0) == nil ? .trimmed : .relion
    }

    /// Offset of the first occurrence of `pattern` in `bytes` at or after `start` (memchr on its first byte).
    private static func find(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, let first = pattern.first else { return nil }
        let n = bytes.count, m = pattern.count
        var i = start
        while i + m <= n, let hit = memchr(base + i, Int32(first), n - m + 1 - i) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if (1 ..< m).allSatisfy({ bytes[at + $0] == pattern[$0] }) { return at }
            i = at + 1
        }
        return nil
    }
}

/// One `data_` block: key–value pairs and any number of loops (tables), in file order.
public struct STARBlock {
    /// Block name without the `data_` prefix (empty for a bare `data_`).
    public var name: String
    /// Key–value pairs in file order; keys without the leading underscore.
    public var pairs: [(key: String, value: String)]
    /// Loops in file order.
    public var tables: [STARTable]
    /// Path of the document, for error messages.
    public var path: String
    /// The number of the `# version N` comment that preceded `data_` in the file (RELION 3.1+ writes
    /// `# version 30001`, RELION 5 `# version 50001`); nil when there was none or the block was made in memory.
    public var version: Int? = nil
    /// The `# comment` line RELION writes right after `data_name` for a commented table, without `# `.
    public var comment: String? = nil
    /// Field width of each pair's value as written in the file (12 for RELION's padded numbers, else 0).
    var pairWidths: [String: Int] = [:]

    public init(name: String, pairs: [(key: String, value: String)] = [], tables: [STARTable] = [], path: String = "<memory>") {
        self.name = name; self.pairs = pairs; self.tables = tables; self.path = path
    }

    /// The value of pair `key` (with or without the leading underscore).
    public func value(_ key: String) -> String? {
        let k = STARTable.normalise(key)
        return pairs.first { $0.key == k }?.value
    }

    /// The value of pair `key` as a number, or nil when absent or not a number.
    public func double(_ key: String) -> Double? { value(key).flatMap { Double($0) } }

    /// The first loop of the block, if any.
    public var table: STARTable? { tables.first }

    /// The first loop of the block, or `STARError.missingColumn`-style error naming the block.
    public func requireTable() throws -> STARTable {
        guard let t = tables.first else { throw STARError.missingBlock(path: path, block: "\(name) (a loop)") }
        return t
    }

    /// The value of pair `key` as an integer, or nil when absent or not an integer.
    public func int(_ key: String) -> Int? { value(key).flatMap { Int($0) } }

    /// The first loop that has column `column`.
    public func table(with column: String) -> STARTable? { tables.first { $0.columnIndex(column) != nil } }
}
