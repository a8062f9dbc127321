import Dispatch
import FoundationEssentials
import Glibc

extension STARDocument {
    /// Read and parse a STAR file (memory-mapped; gzip/bzip2 files are decompressed). Large loops are split
    /// over all cores (`EMTOOLS_THREADS` limits them).
    /// - Throws: `FileError` for missing/unreadable files, `STARError` for syntax errors (with line and column).
    /// - Complexity: one pass over the bytes; memory is the file plus 8 bytes per loop value.
    public static func read(_ path: String) throws -> STARDocument {
        let file = try FileBytes.open(path)
        let bytes = UnsafeBufferPointer(start: file.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: file.bytes.count)
        var parser = STARParser(storage: STARStorage(pointer: bytes, owner: file), path: path)
        return try parser.parse()
    }

    /// Parse STAR text held in memory; `path` names it in error messages.
    public static func parse(_ text: String, path: String = "<memory>") throws -> STARDocument {
        var parser = STARParser(storage: STARStorage(bytes: Array(text.utf8), isSource: true), path: path)
        return try parser.parse()
    }

    /// Parse STAR bytes held in memory; `path` names them in error messages.
    public static func parse(bytes: [UInt8], path: String = "<memory>") throws -> STARDocument {
        var parser = STARParser(storage: STARStorage(bytes: bytes, isSource: true), path: path)
        return try parser.parse()
    }
}

/// Tuning of the parser (tests use it to force the parallel path on small inputs).
struct STARParseOptions {
    /// Loops whose remaining text is at least this many bytes are split over cores.
    var parallelMinimumBytes = 1 << 20
    /// Number of workers; nil means `Parallel.threadCount`.
    var threads: Int? = nil
    /// Big loops are only summarised (into `STARParser.loopSummaries`); their tables hold no rows.
    var summarising = false
    /// Big loops with this column (name without `_`) only count its values (into `STARParser.loopCounts`);
    /// their tables hold no rows.
    var counting: String? = nil
    static var `default` = STARParseOptions()
}

/// The parser: data blocks, `_key value` pairs and loops, over the lexer; big loops go to `STARLoopScanner`.
struct STARParser {
    let storage: STARStorage
    let path: String
    var lexer: STARLexer
    var options: STARParseOptions
    /// When summarising: the summaries of the loops read that way, by the loop's number in the file (from 0).
    var loopSummaries: [Int: STARTableSummary] = [:]
    /// When counting: the counts of the loops read that way, by the loop's number in the file (from 0).
    var loopCounts: [Int: [String: Int]] = [:]
    /// Number of loops read so far.
    var loopCount = 0

    init(storage: STARStorage, path: String, options: STARParseOptions = .default) {
        self.storage = storage; self.path = path; self.options = options
        lexer = STARLexer(bytes: storage.bytes, path: path)
        // A UTF-8 byte-order mark (editors on Windows add one) is skipped.
        let b = storage.bytes
        if b.count >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf { lexer.pos = 3; lexer.lineStart = 3 }
    }

    var bytes: UnsafeBufferPointer<UInt8> { storage.bytes }

    mutating func parse() throws -> STARDocument {
        guard bytes.count <= STARCells.maxOffset else {
            throw STARError.unexpectedToken(path: path, line: 1, column: 1, token: "file larger than 1 TiB")
        }
        var doc = STARDocument(path: path)
        doc.layout = STARLayout.detect(bytes)
        var current: STARBlock? = nil
        var pairGaps: [String: Int] = [:]
        func finish(_ b: inout STARBlock?, gaps: inout [String: Int], into d: inout STARDocument) {
            guard var x = b else { return }
            x.pairWidths = STARParser.pairWidths(x.pairs, gaps: gaps)
            d.blocks.append(x)
            b = nil
            gaps = [:]
        }
        var pending: STARToken? = nil
        while true {
            guard let tok = try pending ?? lexer.next() else { break }
            pending = nil
            if !tok.quoted && lexer.startsCaseless(tok, with: "data_") {
                finish(&current, gaps: &pairGaps, into: &doc)
                if lexer.collectHeader { doc.header = lexer.header; lexer.collectHeader = false; lexer.header = [] }
                var b = STARBlock(name: lexer.text(tok, dropping: 5), path: path)
                b.version = lexer.pendingVersion
                lexer.pendingVersion = nil
                b.comment = blockComment(after: tok)
                current = b
                continue
            }
            guard current != nil else {
                throw STARError.unexpectedToken(path: path, line: tok.line, column: tok.column, token: String(lexer.text(tok).prefix(40)))
            }
            if lexer.isKeyword(tok) && tok.length == 5 && lexer.startsCaseless(tok, with: "loop_") {
                let (table, next) = try parseLoop(tok, blockName: current!.name)
                current!.tables.append(table)
                pending = next
                continue
            }
            if !tok.quoted && bytes[tok.start] == UInt8(ascii: "_") {
                guard let value = try lexer.next(), !lexer.isKeyword(value) else {
                    throw STARError.missingValue(path: path, line: tok.line, name: lexer.text(tok))
                }
                let key = lexer.text(tok, dropping: 1)
                current!.pairs.append((key: key, value: lexer.text(value)))
                if value.line == tok.line {
                    pairGaps[key] = (value.quoted && value.endLine == value.line ? value.start - 1 : value.start) - tok.end
                }
                continue
            }
            throw STARError.unexpectedToken(path: path, line: tok.line, column: tok.column, token: String(lexer.text(tok).prefix(40)))
        }
        finish(&current, gaps: &pairGaps, into: &doc)
        return doc
    }

    /// RELION's `# comment` line right after `data_name`, if any.
    func blockComment(after tok: STARToken) -> String? {
        var p = tok.end
        let n = bytes.count
        while p < n && STARLexer.isBlank(bytes[p]) { p += 1 }
        guard p < n && bytes[p] == 0x0a else { return nil }
        p += 1
        guard p + 1 < n && bytes[p] == UInt8(ascii: "#") && bytes[p + 1] == 0x20 else { return nil }
        var e = p
        while e < n && bytes[e] != 0x0a { e += 1 }
        var end = e
        if end > p && bytes[end - 1] == 0x0d { end -= 1 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[(p + 2) ..< end]), as: UTF8.self)
        return text.hasPrefix("version ") ? nil : text
    }

    /// RELION pads numbers in a key–value list to 12 characters after a gap of 12 + (longest key, at least
    /// 10) − (key length) spaces; a wider gap in the file means the value was padded.
    static func pairWidths(_ pairs: [(key: String, value: String)], gaps: [String: Int]) -> [String: Int] {
        guard !gaps.isEmpty else { return [:] }
        let maxW = max(10, pairs.map { $0.key.utf8.count }.max() ?? 0)
        var out: [String: Int] = [:]
        for p in pairs {
            guard let g = gaps[p.key] else { continue }
            out[p.key] = g > 12 + maxW - p.key.utf8.count ? 12 : 0
        }
        return out
    }

    /// Parse the column names and rows after `loop_`; returns the table and the first token after it.
    mutating func parseLoop(_ loopTok: STARToken, blockName: String) throws -> (STARTable, STARToken?) {
        var columns: [String] = []
        var afterHeader = lexer.state
        var lastHeaderLine = loopTok.line
        var tok = try lexer.next()
        while let t = tok, !t.quoted, bytes[t.start] == UInt8(ascii: "_") {
            columns.append(lexer.text(t, dropping: 1))
            afterHeader = lexer.state
            lastHeaderLine = t.line
            tok = try lexer.next()   // RELION writes "_rlnName #3": the comment is skipped.
        }
        guard !columns.isEmpty else {
            throw STARError.loopHasNoColumns(path: path, line: loopTok.line, column: loopTok.column)
        }
        let width = columns.count
        let threads = options.threads ?? Parallel.threadCount
        defer { loopCount += 1 }
        if let first = tok, first.line > lastHeaderLine, !lexer.isKeyword(first),
           bytes.count - afterHeader.pos >= options.parallelMinimumBytes {
            var scanner = STARLoopScanner(bytes: bytes, width: width, threads: threads)
            if options.summarising, let result = scanner.summarise(after: afterHeader, columns: columns) {
                lexer.state = result.resume
                loopSummaries[loopCount] = result.summary
                let table = STARTable(columns: columns, cells: STARCells(width: width, segments: []), storage: storage,
                                      blockName: blockName, path: path)
                return (table, try lexer.next())
            }
            if let name = options.counting, let c = columns.firstIndex(of: name),
               let result = scanner.count(after: afterHeader, column: c) {
                lexer.state = result.resume
                loopCounts[loopCount] = result.counts
                let table = STARTable(columns: columns, cells: STARCells(width: width, segments: []), storage: storage,
                                      blockName: blockName, path: path)
                return (table, try lexer.next())
            }
            if let result = scanner.scan(after: afterHeader) {
                lexer.state = result.resume
                let cells = STARCells(width: width, segments: result.segments)
                let table = STARTable(columns: columns, cells: cells, storage: storage, blockName: blockName, path: path)
                return (table, try lexer.next())
            }
        }
        return try sequentialLoop(columns: columns, first: tok, blockName: blockName)
    }

    /// The reference loop reader: one row per line (a `;` text field may carry a row over to its closing line).
    mutating func sequentialLoop(columns: [String], first: STARToken?, blockName: String) throws -> (STARTable, STARToken?) {
        let n = columns.count
        var cap = 256, used = 0
        var cells = malloc(cap * 8)!.assumingMemoryBound(to: UInt64.self)
        var handedOver = false
        defer { if !handedOver { free(cells) } }
        var tok = first
        var inRow = 0, rowLine = 0, lastRowLine = -1
        var lastEndColumn = 0
        func short() -> STARError {
            .rowLength(path: path, line: rowLine, column: lastEndColumn, expected: n, found: inRow)
        }
        while let t = tok, !lexer.isKeyword(t) {
            if inRow == 0 {
                if t.line == lastRowLine {
                    throw STARError.rowLength(path: path, line: t.line, column: t.column, expected: n, found: n + lexer.valuesOnLine(from: t))
                }
                rowLine = t.line
            } else if t.line != rowLine && !(t.isTextField && t.line == rowLine + 1) {
                throw short()
            }
            guard t.length <= STARCells.maxLength else {
                throw STARError.unexpectedToken(path: path, line: t.line, column: t.column, token: "value longer than 16 MiB")
            }
            if used == cap { cap *= 2; cells = realloc(cells, cap * 8)!.assumingMemoryBound(to: UInt64.self) }
            cells[used] = STARCells.pack(offset: t.start, length: t.length)
            used += 1
            lastEndColumn = t.column + (t.end - (t.quoted ? t.start - 1 : t.start))
            rowLine = t.endLine
            inRow += 1
            if inRow == n { inRow = 0; lastRowLine = rowLine }
            tok = try lexer.next()
        }
        if inRow != 0 { throw short() }
        cells = realloc(cells, max(1, used) * 8)!.assumingMemoryBound(to: UInt64.self)
        handedOver = true
        let buffer = STARCellBuffer(owning: cells, count: used)
        let table = STARTable(columns: columns, cells: STARCells(width: n, segments: [buffer]), storage: storage, blockName: blockName, path: path)
        return (table, tok)
    }
}
