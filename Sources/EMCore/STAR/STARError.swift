/// Problems reading or using a STAR file. Each names the file and, for syntax errors, the line and column
/// (1-based) where the problem was found. `description` is one line.
public enum STARError: Error, Equatable, CustomStringConvertible {
    /// A loop row has a different number of values than the loop has columns.
    case wrongFieldCount(path: String, line: Int, expected: Int, found: Int)
    /// A quoted value is not closed before the end of the line.
    case unterminatedQuote(path: String, line: Int, column: Int)
    /// A semicolon-delimited text field is not closed.
    case unterminatedTextField(path: String, line: Int)
    /// `loop_` followed by no `_column` names.
    case loopWithoutColumns(path: String, line: Int)
    /// A value or name where the syntax does not allow it (e.g. before any `data_` block).
    case unexpectedToken(path: String, line: Int, column: Int, token: String)
    /// A `_name` with no value after it.
    case missingValue(path: String, line: Int, name: String)
    /// The file holds bytes that cannot be text (NUL bytes or invalid UTF-8): probably not a STAR file.
    case binaryContent(path: String, line: Int)
    /// A block asked for by name does not exist.
    case missingBlock(path: String, block: String)
    /// A column asked for by name does not exist.
    case missingColumn(path: String, block: String, column: String)
    /// A value that should be a number is not.
    case notANumber(path: String, block: String, column: String, row: Int, value: String)

    public var description: String {
        switch self {
        case .wrongFieldCount(let p, let l, let e, let f):
            return "\(p):\(l): loop row has \(f) values but the loop has \(e) columns"
        case .unterminatedQuote(let p, let l, let c):
            return "\(p):\(l):\(c): quoted value is not closed on this line"
        case .unterminatedTextField(let p, let l):
            return "\(p):\(l): text field starting with ';' is never closed"
        case .loopWithoutColumns(let p, let l):
            return "\(p):\(l): loop_ has no column names"
        case .unexpectedToken(let p, let l, let c, let t):
            return "\(p):\(l):\(c): unexpected '\(t)'"
        case .missingValue(let p, let l, let n):
            return "\(p):\(l): \(n) has no value"
        case .binaryContent(let p, let l):
            return "\(p):\(l): binary content (not a text STAR file)"
        case .missingBlock(let p, let b):
            return "\(p): no data block '\(b)'"
        case .missingColumn(let p, let b, let c):
            return "\(p): block '\(b)' has no column '\(c)'"
        case .notANumber(let p, let b, let c, let r, let v):
            return "\(p): block '\(b)', column '\(c)', row \(r): '\(v)' is not a number"
        }
    }
}
