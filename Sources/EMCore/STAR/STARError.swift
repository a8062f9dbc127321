/// Problems reading or using a STAR file. Each names the file and, for syntax errors, the line and column
/// (1-based) where the problem was found. `description` is one line.
///
/// The parser reports `rowLength`, `loopHasNoColumns`, `binaryData` and (for tables read from a file)
/// `valueNotNumeric`, which all carry a column; the older cases without one are kept for source
/// compatibility and are still used where no position exists (tables built in memory).
public enum STARError: Error, Equatable, CustomStringConvertible {
    /// A loop row has a different number of values than the loop has columns (no column; see `rowLength`).
    case wrongFieldCount(path: String, line: Int, expected: Int, found: Int)
    /// A quoted value is not closed before the end of the line.
    case unterminatedQuote(path: String, line: Int, column: Int)
    /// A semicolon-delimited text field is not closed.
    case unterminatedTextField(path: String, line: Int)
    /// `loop_` followed by no `_column` names (no column; see `loopHasNoColumns`).
    case loopWithoutColumns(path: String, line: Int)
    /// A value or name where the syntax does not allow it (e.g. before any `data_` block).
    case unexpectedToken(path: String, line: Int, column: Int, token: String)
    /// A `_name` with no value after it.
    case missingValue(path: String, line: Int, name: String)
    /// The file holds bytes that cannot be text (no column; see `binaryData`).
    case binaryContent(path: String, line: Int)
    /// A block asked for by name does not exist.
    case missingBlock(path: String, block: String)
    /// A column asked for by name does not exist.
    case missingColumn(path: String, block: String, column: String)
    /// A value that should be a number is not (table built in memory: no file position).
    case notANumber(path: String, block: String, column: String, row: Int, value: String)
    /// A loop row on `line` has `found` values but the loop has `expected` columns. `column` points at the
    /// first extra value, or just after the last value of a short row.
    case rowLength(path: String, line: Int, column: Int, expected: Int, found: Int)
    /// `loop_` at `line`:`column` is followed by no `_column` names.
    case loopHasNoColumns(path: String, line: Int, column: Int)
    /// A byte that cannot be in a text file (NUL or another control character) at `line`:`column`.
    case binaryData(path: String, line: Int, column: Int)
    /// A value of a file's loop that should be a number is not; `line`:`column` is where the value starts.
    /// `row` is the 1-based row of the loop, `columnName` the STAR column.
    case valueNotNumeric(path: String, line: Int, column: Int, block: String, columnName: String, row: Int, value: String)

    public var description: String {
        switch self {
        case .wrongFieldCount(let p, let l, let e, let f):
            return "\(p):\(l): loop row has \(f) values but the loop has \(e) columns"
        case .unterminatedQuote(let p, let l, let c):
            return "\(p):\(l):\(c): quoted value is not closed on this line"
        case .unterminatedTextField(let p, let l):
            return "\(p):\(l):1: text field starting with ';' is never closed"
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
        case .rowLength(let p, let l, let c, let e, let f):
            return "\(p):\(l):\(c): loop row has \(f) values but the loop has \(e) columns"
        case .loopHasNoColumns(let p, let l, let c):
            return "\(p):\(l):\(c): loop_ has no column names"
        case .binaryData(let p, let l, let c):
            return "\(p):\(l):\(c): binary data (not a text STAR file)"
        case .valueNotNumeric(let p, let l, let c, let b, let n, let r, let v):
            return "\(p):\(l):\(c): '\(v)' is not a number (block '\(b)', column '\(n)', row \(r))"
        }
    }
}
