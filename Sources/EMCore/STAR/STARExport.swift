import Dispatch
import FoundationEssentials
import Glibc

/// Writing one STAR table as CSV (RFC 4180: header row of column names, fields with `,` `"` or line breaks
/// in double quotes) or as JSON (an array of objects, one per row; numbers as JSON numbers in columns whose
/// values are all numbers, text otherwise), streamed to a sink in pieces of about 1 MiB.
public enum STARExport {
    /// Stream `table` as CSV to `sink`.
    public static func csv(_ table: STARTable, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withoutActuallyEscaping(sink) { sink in
            var out = STAROutput(sink: sink)
            out.append(table.columns.map(csvField).joined(separator: ",") + "\n")
            for r in 0 ..< table.rowCount {
                for c in 0 ..< table.columns.count {
                    if c > 0 { out.append(UInt8(ascii: ",")) }
                    table.withCellBytes(row: r, column: c) { b in
                        if b.contains(where: { $0 == 0x2c || $0 == 0x22 || $0 == 0x0a || $0 == 0x0d }) {
                            out.append(csvField(String(decoding: b, as: UTF8.self)))
                        } else {
                            out.buf.append(contentsOf: b)
                        }
                    }
                }
                out.append(0x0a)
                try out.flushIfFull()
            }
            try out.flush()
        }
    }

    /// Stream `table` as a JSON array of row objects to `sink`.
    public static func json(_ table: STARTable, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let numeric = table.summaries().map { $0.kind != .string }
        let keys = table.columns.map { jsonString($0) + ": " }
        try withoutActuallyEscaping(sink) { sink in
            var out = STAROutput(sink: sink)
            out.append("[")
            for r in 0 ..< table.rowCount {
                out.append(r == 0 ? "\n  {" : ",\n  {")
                for c in 0 ..< table.columns.count {
                    if c > 0 { out.append(", ") }
                    out.append(keys[c])
                    if numeric[c], let v = table.double(row: r, column: c), v.isFinite {
                        table.withCellBytes(row: r, column: c) { b in
                            // Keep the file's digits when they are valid JSON; else print the value.
                            if isJSONNumber(b) { out.buf.append(contentsOf: b) } else { out.append("\(v)") }
                        }
                    } else {
                        out.append(jsonString(table.string(row: r, column: c)))
                    }
                }
                out.append("}")
                try out.flushIfFull()
            }
            out.append(table.rowCount == 0 ? "]\n" : "\n]\n")
            try out.flush()
        }
    }

    /// A CSV field: quoted (with doubled quotes) when it holds `,` `"` or a line break.
    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
    }

    /// A JSON string literal.
    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(cFormat: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// True when the bytes are a JSON number (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`).
    static func isJSONNumber(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        func digits() -> Int { let s = i; while i < n && b[i] >= 48 && b[i] <= 57 { i += 1 }; return i - s }
        if i < n && b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return false }
        if b[i] == 48 { i += 1 } else if digits() == 0 { return false }
        if i < n && b[i] == UInt8(ascii: ".") { i += 1; if digits() == 0 { return false } }
        if i < n && (b[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            if digits() == 0 { return false }
        }
        return i == n
    }
}
