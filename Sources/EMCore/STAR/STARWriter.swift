import Foundation

/// Writes STAR documents in RELION's layout: a version comment, `data_NAME` blocks, pairs as `_name value`,
/// loops as `loop_` with one `_name #N` line per column and one row per line. Values containing white space
/// or starting with a quote, `_`, `#`, `$`, `;`, `data_` or `loop_` are quoted; empty values are written as `""`.
public enum STARWriter {
    /// Render a document as text.
    public static func render(_ doc: STARDocument, versionComment: String? = "# version 30001") -> String {
        var out = ""
        for b in doc.blocks {
            out += "\n"
            if let v = versionComment { out += v + "\n\n" }
            out += "data_\(b.name)\n\n"
            if !b.pairs.isEmpty {
                let w = b.pairs.map { $0.key.count }.max()! + 1
                for p in b.pairs { out += ("_" + p.key).padding(toLength: w + 1, withPad: " ", startingAt: 0) + quote(p.value) + "\n" }
                out += "\n"
            }
            for t in b.tables {
                out += "loop_ \n"
                for (i, c) in t.columns.enumerated() { out += "_\(c) #\(i + 1) \n" }
                for r in 0 ..< t.rowCount {
                    out += (0 ..< t.columns.count).map { quote(t.string(row: r, column: $0)) }.joined(separator: " ")
                    out += " \n"
                }
                out += " \n"
            }
        }
        return out
    }

    /// Write a document to `path` atomically.
    public static func write(_ doc: STARDocument, to path: String) throws {
        try AtomicFile.write(Data(render(doc).utf8), to: path)
    }

    /// The value as it must appear in a STAR file.
    public static func quote(_ v: String) -> String {
        if v.isEmpty { return "\"\"" }
        let needs = v.contains { $0 == " " || $0 == "\t" || $0 == "\n" } || v.hasPrefix("_") || v.hasPrefix("#")
            || v.hasPrefix("'") || v.hasPrefix("\"") || v.hasPrefix("$") || v.hasPrefix(";") || v.hasPrefix("data_") || v == "loop_"
        guard needs else { return v }
        return v.contains("\"") ? "'\(v)'" : "\"\(v)\""
    }
}
