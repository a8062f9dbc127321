import Dispatch
import FoundationEssentials
import Glibc

/// Writes STAR documents in RELION's layout (as `MetaDataTable::write` of RELION 3.1–5.0 does):
///
/// - the document's `header` comment lines first;
/// - before each block an empty line, `# version N` (the block's own `version`, else `versionComment`;
///   none when both are nil), an empty line, `data_NAME`, RELION's `# comment` line if any, an empty line;
/// - key–value pairs as `_key`, 12 + (longest key, at least 10) − (key length) spaces, the value, and
///   a closing line of one space;
/// - loops as `loop_ `, one `_name #N ` line per column (N from 1), one row per line with each value
///   right-aligned in its column's field width followed by a space, and a closing line of one space.
///
/// A document read from a file keeps its `layout`: in `.trimmed` files (RELION 5 projects) the same lines are
/// written without their trailing spaces, and an empty line closes lists and tables.
///
/// Field widths follow RELION: 12 for numbers (RELION prints them with `%12.6f`, `%12ld`…), 10 for text.
/// For a table read from a file the width of each column is the one the file was written with, so a file
/// written by RELION is written back byte for byte. Values with white space or a leading quote are put in
/// double quotes (single quotes when they hold a double quote), empty values are written `""`, values with
/// a line break become `;` text fields, and values that would read as a keyword (`_x`, `data_`, `loop_`,
/// `#`, `$`, `;`) are quoted.
public enum STARWriter {
    /// Render a document as text; `versionComment` is written before blocks that have no `version`.
    public static func render(_ doc: STARDocument, versionComment: String? = "# version 30001") -> String {
        var bytes: [UInt8] = []
        try! write(doc, versionComment: versionComment) { chunk in bytes.append(contentsOf: chunk) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Write a document to `path` atomically (temporary file in the same folder, then rename).
    public static func write(_ doc: STARDocument, to path: String) throws {
        try write(doc, to: path, versionComment: "# version 30001")
    }

    /// Write a document to `path` atomically, with `versionComment` before blocks that have no `version`.
    public static func write(_ doc: STARDocument, to path: String, versionComment: String?) throws {
        try AtomicFile.write(to: path) { fd in
            try write(doc, versionComment: versionComment) { chunk in try AtomicFile.writeAll(fd: fd, chunk, path: path) }
        }
    }

    /// Stream a document to `sink` in pieces of about 1 MiB (memory stays small for million-row tables).
    public static func write(_ doc: STARDocument, versionComment: String? = "# version 30001",
                             to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withoutActuallyEscaping(sink) { sink in
            var out = STAROutput(sink: sink)
            for line in doc.header { out.append(line + "\n") }
            for b in doc.blocks { try writeBlock(b, versionComment: versionComment, layout: doc.layout, into: &out) }
            try out.flush()
        }
    }

    static func writeBlock(_ b: STARBlock, versionComment: String?, layout: STARLayout = .relion,
                           into out: inout STAROutput) throws {
        let end = layout == .relion ? " \n" : "\n"
        if let v = b.version { out.append("\n# version \(v)\n") } else if let v = versionComment { out.append("\n" + v + "\n") }
        out.append("\ndata_\(b.name)\n")
        if let c = b.comment { out.append("# \(c)\n") }
        out.append("\n")
        if !b.pairs.isEmpty {
            let maxW = max(10, b.pairs.map { $0.key.utf8.count }.max()!)
            for p in b.pairs {
                out.append("_" + p.key)
                out.spaces(12 + maxW - p.key.utf8.count)
                var value = Array(p.value.utf8)
                let width = b.pairWidths[p.key] ?? (value.withUnsafeBufferPointer { NumberParsing.double($0) } != nil ? 12 : 0)
                value.withUnsafeMutableBufferPointer { out.value(UnsafeBufferPointer($0), width: width) }
                out.append("\n")
                try out.flushIfFull()
            }
            out.append(end)
        }
        for t in b.tables { try writeTable(t, layout: layout, into: &out) }
    }

    static func writeTable(_ t: STARTable, layout: STARLayout = .relion, into out: inout STAROutput) throws {
        let end = layout == .relion ? " \n" : "\n", trailing = layout == .relion
        out.append("loop_" + end)
        for (i, c) in t.columns.enumerated() { out.append("_\(c) #\(i + 1)" + end) }
        let widths = t.writeWidths()
        let base = t.storage.bytes.baseAddress
        try withExtendedLifetime(t.storage) {
            try t.cells.forEachRow { _, row in
                for c in 0 ..< row.count {
                    let cell = row[c]
                    out.value(UnsafeBufferPointer(start: base.map { $0 + STARCells.offset(cell) }, count: STARCells.length(cell)), width: widths[c])
                    if trailing || c + 1 < row.count { out.append(0x20) }
                }
                out.append(0x0a)
                try out.flushIfFull()
            }
        }
        out.append(end)
    }

    /// The value as it must appear in a STAR file.
    public static func quote(_ v: String) -> String {
        if v.isEmpty { return "\"\"" }
        if v.contains("\n") { return "\n;" + v + "\n;\n" }
        let needs = v.contains { $0 == " " || $0 == "\t" || $0 == "\r" } || v.hasPrefix("_") || v.hasPrefix("#")
            || v.hasPrefix("'") || v.hasPrefix("\"") || v.hasPrefix("$") || v.hasPrefix(";") || v.lowercased().hasPrefix("data_")
            || v.lowercased() == "loop_"
        guard needs else { return v }
        return v.contains("\"") ? "'\(v)'" : "\"\(v)\""
    }
}

extension STARTable {
    /// Field width of each column for writing: hints from merged tables, else the width the file used,
    /// else 12 for numeric columns and 10 for text.
    func writeWidths() -> [Int] {
        if let h = widthHints { return h }
        return (0 ..< columns.count).map { c in storage.isSource ? sourceWidth(column: c) : contentWidth(column: c) }
    }

    /// The width RELION wrote column `c` with, judged from the first value it padded.
    func sourceWidth(column c: Int) -> Int {
        let b = storage.bytes
        var found: Int? = nil
        cells.forEach(column: c, rows: 0 ..< rowCount) { _, cell in
            guard found == nil else { return }
            var s = STARCells.offset(cell)
            var len = STARCells.length(cell)
            if s > 0 {
                let q = b[s - 1]
                if q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") { s -= 1; len += 2 } else if q == UInt8(ascii: ";") { return }
            }
            var k = 0
            while s - k - 1 >= 0 && b[s - k - 1] == 0x20 { k += 1 }
            let atLineStart = s - k == 0 || b[s - k - 1] == 0x0a
            let pad = atLineStart ? k : k - 1
            if pad > 0 { found = len + pad >= 12 ? 12 : 10 }
        }
        return found ?? 10
    }

    /// 12 when the first values of column `c` are numbers, else 10.
    func contentWidth(column c: Int) -> Int {
        guard rowCount > 0 else { return 10 }
        for r in 0 ..< min(rowCount, 100) where double(row: r, column: c) == nil { return 10 }
        return 12
    }
}

/// A growing byte buffer that hands full pieces to a sink.
struct STAROutput {
    var buf: [UInt8] = []
    let sink: (UnsafeRawBufferPointer) throws -> Void
    init(sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.sink = sink
        buf.reserveCapacity(1 << 20 + 4096)
    }

    mutating func append(_ s: String) { buf.append(contentsOf: s.utf8) }
    @inline(__always) mutating func append(_ c: UInt8) { buf.append(c) }
    mutating func spaces(_ n: Int) { if n > 0 { buf.append(contentsOf: repeatElement(0x20, count: n)) } }
    mutating func flushIfFull() throws { if buf.count >= 1 << 20 { try flush() } }
    mutating func flush() throws {
        guard !buf.isEmpty else { return }
        try buf.withUnsafeBytes { try sink($0) }
        buf.removeAll(keepingCapacity: true)
    }

    /// Append one value, quoted as needed, right-aligned in `width` characters.
    mutating func value(_ v: UnsafeBufferPointer<UInt8>, width: Int) {
        let n = v.count
        if n == 0 { spaces(width - 2); buf.append(0x22); buf.append(0x22); return }
        var white = false, dquote = false, newline = false
        for c in v {
            if c <= 0x20 { if c == 0x0a { newline = true } else if c == 0x20 || c == 0x09 || c == 0x0d { white = true } }
            else if c == 0x22 { dquote = true }
        }
        if newline {
            buf.append(0x0a); buf.append(UInt8(ascii: ";")); buf.append(contentsOf: v)
            buf.append(0x0a); buf.append(UInt8(ascii: ";"))
            return
        }
        let f = v[0]
        var needs = white || f == 0x27 || f == 0x22 || f == UInt8(ascii: "_") || f == UInt8(ascii: "#") || f == UInt8(ascii: "$") || f == UInt8(ascii: ";")
        if !needs && n >= 5 && (f | 0x20 == UInt8(ascii: "d") || f | 0x20 == UInt8(ascii: "l")) {
            let low = (0 ..< 5).map { v[$0] | 0x20 }
            if low == Array("data_".utf8).map({ $0 | 0x20 }) || (n == 5 && low == Array("loop_".utf8).map({ $0 | 0x20 })) { needs = true }
        }
        if needs {
            let q: UInt8 = dquote ? 0x27 : 0x22
            spaces(width - n - 2)
            buf.append(q); buf.append(contentsOf: v); buf.append(q)
        } else {
            spaces(width - n)
            buf.append(contentsOf: v)
        }
    }
}
