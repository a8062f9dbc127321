import Dispatch
import FoundationEssentials
import Glibc

/// A STAR token: its text's byte range (quotes removed), how it was written and where.
struct STARToken {
    /// Offset and length of the value's bytes.
    var start: Int, length: Int
    /// Offset just after the token (after a closing quote or text field).
    var end: Int
    /// True for quoted values and text fields: never a keyword.
    var quoted: Bool
    /// 1-based line and column of the token's first byte; `endLine` is the line it ends on (text fields).
    var line: Int, column: Int, endLine: Int
    /// True for a `;` text field (which may start on the line after the rest of its row).
    var isTextField = false
}

/// The sequential tokenizer over a STAR file's bytes: white space, comments (`# …` to the end of the line,
/// recognising RELION's `# version N` lines), bare values, values in single or double quotes (a quote closes
/// only before white space or the end of the line) and `;` text fields.
struct STARLexer {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    var pos = 0
    var line = 1
    var lineStart = 0
    /// The number of the last `# version N` comment seen, until a block takes it.
    var pendingVersion: Int? = nil
    /// While true (before the first block), comment lines other than `# version N` are kept in `header`.
    var collectHeader = true
    var header: [String] = []

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) { self.bytes = bytes; self.path = path }

    /// A snapshot of the position, to resume from.
    struct State { var pos: Int, line: Int, lineStart: Int }
    var state: State {
        get { State(pos: pos, line: line, lineStart: lineStart) }
        set { pos = newValue.pos; line = newValue.line; lineStart = newValue.lineStart }
    }

    @inline(__always) static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d }
    /// Control characters other than tab, LF and CR: a text file does not hold them.
    @inline(__always) static func isBinary(_ c: UInt8) -> Bool { c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d }

    func binaryError(at p: Int) -> STARError { .binaryData(path: path, line: line, column: p - lineStart + 1) }

    /// The next token, skipping white space and comments; nil at the end of the file.
    mutating func next() throws -> STARToken? {
        let n = bytes.count
        while pos < n {
            let c = bytes[pos]
            if c == 0x0a { pos += 1; line += 1; lineStart = pos; continue }
            if STARLexer.isBlank(c) { pos += 1; continue }
            if STARLexer.isBinary(c) { throw binaryError(at: pos) }
            if c == UInt8(ascii: "#") { try skipComment(); continue }
            let column = pos - lineStart + 1
            if c == UInt8(ascii: ";") && pos == lineStart { return try textField(column: column) }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                var j = pos + 1
                while j < n {
                    let d = bytes[j]
                    if d == 0x0a { break }
                    if d == c && (j + 1 == n || STARLexer.isBlank(bytes[j + 1]) || bytes[j + 1] == 0x0a) { break }
                    if STARLexer.isBinary(d) { throw binaryError(at: j) }
                    j += 1
                }
                guard j < n && bytes[j] == c else { throw STARError.unterminatedQuote(path: path, line: line, column: column) }
                let t = STARToken(start: pos + 1, length: j - pos - 1, end: j + 1, quoted: true, line: line, column: column, endLine: line)
                pos = j + 1
                return t
            }
            let start = pos
            while pos < n {
                let d = bytes[pos]
                if d > 0x20 { pos += 1; continue }
                if d == 0x20 || d == 0x0a || d == 0x09 || d == 0x0d { break }
                throw binaryError(at: pos)
            }
            return STARToken(start: start, length: pos - start, end: pos, quoted: false, line: line, column: column, endLine: line)
        }
        return nil
    }

    /// Skip a `#` comment to the end of the line, noting `# version N`. Control bytes in it are binary data,
    /// as anywhere else (a binary file that happens to start with `#` is not one long comment).
    mutating func skipComment() throws {
        let n = bytes.count
        let start = pos
        while pos < n && bytes[pos] != 0x0a {
            if STARLexer.isBinary(bytes[pos]) { throw binaryError(at: pos) }
            pos += 1
        }
        let prefix: StaticString = "# version "
        let k = prefix.utf8CodeUnitCount
        var isVersion = pos - start > k
        if isVersion { for i in 0 ..< k where bytes[start + i] != prefix.utf8Start[i] { isVersion = false; break } }
        if !isVersion {
            if collectHeader {
                var end = pos
                if end > start && bytes[end - 1] == 0x0d { end -= 1 }
                header.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< end]), as: UTF8.self))
            }
            return
        }
        var v = 0, any = false, i = start + k
        while i < pos, bytes[i] >= 48, bytes[i] <= 57, v < 1_000_000_000 { v = v * 10 + Int(bytes[i] - 48); any = true; i += 1 }
        if any { pendingVersion = v }
    }

    /// A `;`-delimited multi-line text field (CIF style): from after the opening `;` to before the newline of
    /// the closing `;` line (a CR before that newline is dropped).
    mutating func textField(column: Int) throws -> STARToken {
        let startLine = line
        let start = pos + 1
        var j = start
        let n = bytes.count
        while j < n {
            if bytes[j] == 0x0a {
                line += 1
                lineStart = j + 1
                if j + 1 < n && bytes[j + 1] == UInt8(ascii: ";") {
                    pos = j + 2
                    var end = j
                    if end > start && bytes[end - 1] == 0x0d { end -= 1 }
                    return STARToken(start: start, length: end - start, end: pos, quoted: true, line: startLine, column: column, endLine: line,
                                     isTextField: true)
                }
            } else if bytes[j] == 0 {
                throw STARError.binaryData(path: path, line: line, column: j - lineStart + 1)
            }
            j += 1
        }
        throw STARError.unterminatedTextField(path: path, line: startLine)
    }

    // MARK: token tests

    /// True for a bare `_name`, `data_…` or `loop_` (case-insensitive reserved words).
    func isKeyword(_ t: STARToken) -> Bool {
        if t.quoted { return false }
        let c = bytes[t.start]
        if c == UInt8(ascii: "_") { return true }
        if c | 0x20 == UInt8(ascii: "d") { return startsCaseless(t, with: "data_") }
        if c | 0x20 == UInt8(ascii: "l") { return t.length == 5 && startsCaseless(t, with: "loop_") }
        return false
    }

    func startsCaseless(_ t: STARToken, with s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard t.length >= n else { return false }
        let p = s.utf8Start
        for i in 0 ..< n where bytes[t.start + i] | 0x20 != p[i] | 0x20 { return false }
        return true
    }

    func text(_ t: STARToken, dropping n: Int = 0) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[(t.start + n) ..< (t.start + t.length)]), as: UTF8.self)
    }

    /// Number of values from token `t` to the end of its line (for error messages).
    func valuesOnLine(from t: STARToken) -> Int {
        var copy = self
        let begin = t.quoted && t.start > 0 ? t.start - 1 : t.start
        copy.state = State(pos: begin, line: t.line, lineStart: begin - (t.column - 1))
        var count = 0
        while let u = try? copy.next(), u.line == t.line { count += 1 }
        return count
    }
}
