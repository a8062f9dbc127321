import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// What `emtools star FILE` prints: blocks, their pairs and loops, and per column its type and
/// min/max/mean for numbers.
struct STARFileSummary: Encodable {
    struct Table: Encodable { let rows: Int; let columns: [STARColumnSummary] }
    struct Pair: Encodable { let key: String; let value: String }
    struct Block: Encodable { let name: String; let version: Int?; let pairs: [Pair]; let tables: [Table] }
    let file: String
    let blocks: [Block]

    init(_ summary: STARDocumentSummary) {
        file = summary.path
        blocks = summary.blocks.map { b in
            Block(name: b.name, version: b.version, pairs: b.pairs.map { Pair(key: $0.key, value: $0.value) },
                  tables: b.tables.map { Table(rows: $0.rows, columns: $0.columns) })
        }
    }

    func text() -> String {
        var s = "\(file): \(blocks.count) block\(blocks.count == 1 ? "" : "s")\n"
        for b in blocks {
            var parts: [String] = []
            if !b.pairs.isEmpty { parts.append("\(b.pairs.count) pair\(b.pairs.count == 1 ? "" : "s")") }
            for t in b.tables { parts.append("loop of \(t.rows) row\(t.rows == 1 ? "" : "s") × \(t.columns.count) column\(t.columns.count == 1 ? "" : "s")") }
            if parts.isEmpty { parts.append("empty") }
            s += "data_\(b.name): \(parts.joined(separator: ", "))\n"
            let kw = b.pairs.map { $0.key.count }.max() ?? 0
            for p in b.pairs { s += "  _" + p.key.padded(to: kw) + "  \(p.value)\n" }
            for t in b.tables {
                let w = t.columns.map { $0.name.count }.max() ?? 0
                for c in t.columns {
                    var line = "  " + c.name.padded(to: w) + "  " + c.kind.rawValue.padded(to: 6)
                    if let mn = c.min, let mx = c.max, let mean = c.mean {
                        line += "  min \(fmt(mn))  max \(fmt(mx))  mean \(fmt(mean))"
                    }
                    // Trailing spaces trimmed by hand: a regular expression per column takes minutes for a
                    // loop of a million columns.
                    while line.last == " " { line.removeLast() }
                    s += line + "\n"
                }
            }
        }
        return s
    }

    private func fmt(_ v: Double) -> String { String(cFormat: "%.6g", v) }
}

/// Encodes any Encodable (to print one summary or a list with the same call).
struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ v: Encodable) { value = v }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

/// Standard output written with write(2), so that a closed pipe (`| head`) ends the command quietly.
enum StandardOutput {
    static func write(_ text: String) throws {
        var t = text
        try t.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Pretty JSON with sorted keys, like `printJSON`, through write(2).
    static func json<T: Encodable>(_ value: T) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try write(String(decoding: try enc.encode(value), as: UTF8.self) + "\n")
    }

    static func write(_ chunk: UnsafeRawBufferPointer) throws {
        guard var p = chunk.baseAddress else { return }
        var left = chunk.count
        while left > 0 {
            let n = Glibc.write(STDOUT_FILENO, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw BrokenPipe() }
                throw FileError.cannotWrite(path: "<standard output>", reason: String(cString: strerror(errno)))
            }
            left -= n
            p += n
        }
    }
}

/// The reader of standard output went away.
struct BrokenPipe: Error {}
