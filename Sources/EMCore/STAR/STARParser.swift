import Foundation

extension STARDocument {
    /// Read and parse a STAR file (memory-mapped; gzip/bzip2 files are decompressed).
    /// - Throws: `FileError` for missing/unreadable files, `STARError` for syntax errors (with line and column).
    public static func read(_ path: String) throws -> STARDocument {
        let file = try FileBytes.open(path)
        let bytes = UnsafeBufferPointer(start: file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: file.bytes.count)
        var parser = STARParser(bytes: bytes, path: path, storage: STARStorage(pointer: bytes, owner: file))
        return try parser.parse()
    }

    /// Parse STAR text held in memory.
    public static func parse(_ text: String, path: String = "<memory>") throws -> STARDocument {
        let storage = STARStorage(bytes: Array(text.utf8))
        return try storage.withBytes { b in
            var parser = STARParser(bytes: b, path: path, storage: storage)
            return try parser.parse()
        }
    }
}

/// A single-pass tokenizer and parser over the bytes of a STAR file. Cells are recorded as byte ranges.
struct STARParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    let storage: STARStorage
    var pos = 0
    var line = 1
    var lineStart = 0

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, storage: STARStorage) {
        self.bytes = bytes; self.path = path; self.storage = storage
    }

    /// A token: byte range of its text (quotes removed), whether it was quoted, and its line/column.
    struct Token {
        var start: Int, length: Int, quoted: Bool, line: Int, column: Int
    }

    mutating func parse() throws -> STARDocument {
        guard bytes.count < Int(UInt32.max) else {
            throw STARError.unexpectedToken(path: path, line: 1, column: 1, token: "file larger than 4 GiB")
        }
        var doc = STARDocument(path: path)
        var current: STARBlock? = nil
        var pending: Token? = nil
        func finish(_ b: inout STARBlock?, into d: inout STARDocument) { if let x = b { d.blocks.append(x) }; b = nil }
        while true {
            guard let tok = try pending ?? nextToken() else { break }
            pending = nil
            if !tok.quoted && starts(tok, with: "data_") {
                finish(&current, into: &doc)
                current = STARBlock(name: text(tok, dropping: 5), path: path)
                continue
            }
            guard current != nil else {
                throw STARError.unexpectedToken(path: path, line: tok.line, column: tok.column, token: String(text(tok).prefix(40)))
            }
            if !tok.quoted && equals(tok, "loop_") {
                let (table, next) = try parseLoop(startLine: tok.line, blockName: current!.name)
                current!.tables.append(table)
                pending = next
                continue
            }
            if !tok.quoted && bytes[tok.start] == UInt8(ascii: "_") {
                guard let value = try nextToken(), value.quoted || !isKeyword(value) else {
                    throw STARError.missingValue(path: path, line: tok.line, name: text(tok))
                }
                current!.pairs.append((key: text(tok, dropping: 1), value: text(value)))
                continue
            }
            throw STARError.unexpectedToken(path: path, line: tok.line, column: tok.column, token: String(text(tok).prefix(40)))
        }
        finish(&current, into: &doc)
        return doc
    }

    /// Parse the column names and values after `loop_`; returns the table and the first token after it.
    mutating func parseLoop(startLine: Int, blockName: String) throws -> (STARTable, Token?) {
        var columns: [String] = []
        var tok = try nextToken()
        while let t = tok, !t.quoted, bytes[t.start] == UInt8(ascii: "_") {
            columns.append(text(t, dropping: 1))
            tok = try nextToken()
            // RELION writes "_rlnName #3": the comment is skipped by the tokenizer.
        }
        guard !columns.isEmpty else { throw STARError.loopWithoutColumns(path: path, line: startLine) }
        var offsets: [UInt32] = [], lengths: [UInt32] = []
        var lines: [Int32] = []
        while let t = tok, t.quoted || !isKeyword(t) {
            offsets.append(UInt32(t.start)); lengths.append(UInt32(t.length)); lines.append(Int32(t.line))
            tok = try nextToken()
        }
        let n = columns.count
        if offsets.count % n != 0 { throw fieldCountError(lines: lines, columns: n) }
        let table = STARTable(columns: columns, rowCount: offsets.count / n, storage: storage, offsets: offsets,
                              lengths: lengths, base: 0, blockName: blockName, path: path)
        return (table, tok)
    }

    /// Locate the first row whose values do not fill exactly one line, for a useful error message.
    func fieldCountError(lines: [Int32], columns n: Int) -> STARError {
        var i = 0
        while i < lines.count {
            let l = lines[i]
            var j = i
            while j < lines.count && lines[j] == l { j += 1 }
            if j - i != n {
                return .wrongFieldCount(path: path, line: Int(l), expected: n, found: j - i)
            }
            i = j
        }
        return .wrongFieldCount(path: path, line: Int(lines.last ?? 0), expected: n, found: lines.count % n)
    }

    func isKeyword(_ t: Token) -> Bool {
        let c = bytes[t.start]
        if c == UInt8(ascii: "_") { return true }
        if c == UInt8(ascii: "d") { return starts(t, with: "data_") }
        if c == UInt8(ascii: "l") { return equals(t, "loop_") }
        return false
    }

    func starts(_ t: Token, with s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard t.length >= n else { return false }
        let p = s.utf8Start
        for i in 0 ..< n where bytes[t.start + i] != p[i] { return false }
        return true
    }

    func equals(_ t: Token, _ s: StaticString) -> Bool { t.length == s.utf8CodeUnitCount && starts(t, with: s) }

    func text(_ t: Token, dropping n: Int = 0) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[(t.start + n) ..< (t.start + t.length)]), as: UTF8.self)
    }

    /// The next token, skipping white space and comments; nil at the end of the file.
    mutating func nextToken() throws -> Token? {
        let n = bytes.count
        while pos < n {
            let c = bytes[pos]
            if c == 0x0a { pos += 1; line += 1; lineStart = pos; continue }
            if c == 0x20 || c == 0x09 || c == 0x0d { pos += 1; continue }
            if c == 0 { throw STARError.binaryContent(path: path, line: line) }
            if c == UInt8(ascii: "#") {
                while pos < n && bytes[pos] != 0x0a { pos += 1 }
                continue
            }
            let column = pos - lineStart + 1
            if c == UInt8(ascii: ";") && pos == lineStart { return try textField(column: column) }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                // A quote closes only when followed by white space or the end of the line/file.
                var j = pos + 1
                while j < n {
                    if bytes[j] == 0x0a { break }
                    if bytes[j] == c && (j + 1 == n || [0x20, 0x09, 0x0a, 0x0d].contains(bytes[j + 1])) { break }
                    j += 1
                }
                guard j < n && bytes[j] == c else { throw STARError.unterminatedQuote(path: path, line: line, column: column) }
                let t = Token(start: pos + 1, length: j - pos - 1, quoted: true, line: line, column: column)
                pos = j + 1
                return t
            }
            let start = pos
            while pos < n {
                let d = bytes[pos]
                if d == 0x20 || d == 0x09 || d == 0x0a || d == 0x0d { break }
                if d == 0 { throw STARError.binaryContent(path: path, line: line) }
                pos += 1
            }
            return Token(start: start, length: pos - start, quoted: false, line: line, column: column)
        }
        return nil
    }

    /// A `;`-delimited multi-line text field (CIF style).
    mutating func textField(column: Int) throws -> Token {
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
                    return Token(start: start, length: j - start, quoted: true, line: startLine, column: column)
                }
            }
            j += 1
        }
        throw STARError.unterminatedTextField(path: path, line: startLine)
    }
}
