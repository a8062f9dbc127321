import Dispatch
import Dispatch
import FoundationEssentials
import Glibc

/// The parallel fast path for a big loop: the text after the loop header is cut at line starts into a few
/// pieces per core, and each piece is scanned on its own, one row per line. A piece stops at the first line
/// that starts a new item (`_name`, `data_`, `loop_`): that is where the loop ends. Anything unusual (a line
/// with the wrong number of values, a `;` text field, binary bytes, a bad quote) makes the whole loop go back
/// to the sequential reader, which gives the exact error or handles the rare layout.
///
/// `scan` keeps every cell (for a table); `summarise` keeps only each column's running summary, and `count`
/// only the counts of one column's values, so a file read for `emtools star FILE` or `--count-by` needs no
/// memory beyond its text.
struct STARLoopScanner {
    /// What is kept of each row.
    enum Keep { case cells, summaries, counts(column: Int) }

    let bytes: UnsafeBufferPointer<UInt8>
    let width: Int
    let threads: Int

    /// The rows found, and where the sequential lexer resumes (the end of the last row).
    struct Result {
        var segments: [STARCellBuffer]
        var resume: STARLexer.State
    }

    /// The loop's row count and column summaries, and where the sequential lexer resumes.
    struct SummaryResult {
        var summary: STARTableSummary
        var resume: STARLexer.State
    }

    /// What one piece found.
    struct Piece {
        enum Stop { case complete, loopEnd, irregular }
        var cells: STARCellBuffer? = nil
        /// The running summary of each column (when keeping summaries).
        var scans: [STARColumnScan] = []
        /// The number of rows with each value of the counted column (when keeping counts).
        var counts: [String: Int] = [:]
        var rows = 0
        var stop = Stop.complete
        /// Newlines crossed in the piece (only meaningful when complete).
        var lines = 0
        /// End (offset of the newline, or of the end of the file) of the last row, and newlines before it.
        var lastRowEnd = -1
        var linesBeforeLastRowEnd = 0
    }

    mutating func scan(after header: STARLexer.State) -> Result? {
        guard let (pieces, resume) = scanPieces(after: header, keep: .cells) else { return nil }
        return Result(segments: pieces.compactMap(\.cells), resume: resume)
    }

    /// The row count and column summaries (named `columns`) of the loop whose header ends at `header`.
    mutating func summarise(after header: STARLexer.State, columns: [String]) -> SummaryResult? {
        guard let (pieces, resume) = scanPieces(after: header, keep: .summaries) else { return nil }
        let rows = pieces.reduce(0) { $0 + $1.rows }
        let summaries = columns.indices.map { c in STARColumnScan.summary(name: columns[c], rows: rows, parts: pieces.map { $0.scans[c] }) }
        return SummaryResult(summary: STARTableSummary(rows: rows, columns: summaries), resume: resume)
    }

    /// The number of rows with each value of column `column`, and where the sequential lexer resumes.
    mutating func count(after header: STARLexer.State, column: Int) -> (counts: [String: Int], resume: STARLexer.State)? {
        guard let (pieces, resume) = scanPieces(after: header, keep: .counts(column: column)) else { return nil }
        var counts: [String: Int] = [:]
        for p in pieces { counts.merge(p.counts, uniquingKeysWith: +) }
        return (counts, resume)
    }

    /// Scan the pieces in parallel; the pieces up to the loop's end, and where the lexer resumes.
    func scanPieces(after header: STARLexer.State, keep: Keep) -> ([Piece], STARLexer.State)? {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        // The body starts at the line after the last column name.
        guard let nl = memchr(base + header.pos, 0x0a, n - header.pos) else { return nil }
        let bodyStart = base.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
        let bodyLine = header.line + 1
        guard bodyStart < n else { return nil }
        // Estimate bytes per row from the first line for reserving capacity.
        var firstEnd = bodyStart
        while firstEnd < n && bytes[firstEnd] != 0x0a { firstEnd += 1 }
        let bytesPerRow = max(2 * width, firstEnd - bodyStart + 1)

        let pieceCount = threads == 1 ? 1 : threads * 4
        let size = (n - bodyStart + pieceCount - 1) / pieceCount
        var bounds: [Int] = [bodyStart]
        var b = bodyStart
        while bounds.count < pieceCount {
            b = min(n, b + size)
            while b < n && bytes[b - 1] != 0x0a { b += 1 }
            if b >= n { break }
            bounds.append(b)
        }
        bounds.append(n)
        let count = bounds.count - 1
        var pieces = [Piece](repeating: Piece(), count: count)
        let w = width
        let all = bytes
        pieces.withUnsafeMutableBufferPointer { out in
            let outPtr = out
            let work = { (i: Int) in
                let rowsGuess: Int
                if case .cells = keep { rowsGuess = (bounds[i + 1] - bounds[i]) / bytesPerRow + 16 } else { rowsGuess = 1 }
                outPtr[i] = STARLoopScanner.scanPiece(all, from: bounds[i], to: bounds[i + 1], width: w,
                                                      reserve: rowsGuess + rowsGuess / 8, keep: keep)
            }
            if count == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: work) }
        }
        var kept: [Piece] = []
        var resume = header
        var line = bodyLine
        for i in 0 ..< count {
            let p = pieces[i]
            if p.stop == .irregular { return nil }
            if p.lastRowEnd >= 0 {
                resume = STARLexer.State(pos: p.lastRowEnd, line: line + p.linesBeforeLastRowEnd, lineStart: p.lastRowEnd)
            }
            kept.append(p)
            pieces[i].cells = nil
            if p.stop == .loopEnd { break }
            line += p.lines
        }
        return (kept, resume)
    }

    @inline(__always) static func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d }

    /// Scan the lines starting in `from..<to`, keeping the cells, or folding each row into the columns'
    /// running summaries or one column's counts (and keeping no cells).
    static func scanPiece(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int, width: Int, reserve: Int,
                          keep: Keep = .cells) -> Piece {
        var piece = Piece()
        var scans: [STARColumnScan] = []
        if case .summaries = keep { scans = [STARColumnScan](repeating: STARColumnScan(), count: width) }
        var counts: [String: Int] = [:]
        var cap = max(64, reserve * width)
        var out = malloc(cap * 8)!.assumingMemoryBound(to: UInt64.self)
        var used = 0
        let n = bytes.count
        let s = bytes.baseAddress!
        var p = from
        var lines = 0
        lineLoop: while p < to {
            let lineStart = p
            while p < n && blank(s[p]) { p += 1 }
            if p >= n { break }
            var c = s[p]
            if c == 0x0a { p += 1; lines += 1; continue }
            if c == UInt8(ascii: "#") {
                // Control bytes in a comment: leave the line to the lexer, which reports binary data.
                while p < n && s[p] != 0x0a { if s[p] < 0x20 && s[p] != 0x09 && s[p] != 0x0d { piece.stop = .irregular; break lineLoop }; p += 1 }
                if p < n { p += 1; lines += 1 }
                continue
            }
            if c == UInt8(ascii: "_") || isWord(s, p, n) { piece.stop = .loopEnd; break }
            if c == UInt8(ascii: ";") && p == lineStart { piece.stop = .irregular; break }
            var values = 0
            while true {
                if values == width { piece.stop = .irregular; break lineLoop }
                let start: Int, len: Int
                let special = mayBeSpecial(c)
                if special && (c == UInt8(ascii: "'") || c == UInt8(ascii: "\"")) {
                    var j = p + 1
                    while j < n {
                        let d = s[j]
                        if d < 0x20 && d != 0x09 && d != 0x0d { break }
                        if d == c && (j + 1 == n || blank(s[j + 1]) || s[j + 1] == 0x0a) { break }
                        j += 1
                    }
                    guard j < n && s[j] == c else { piece.stop = .irregular; break lineLoop }
                    start = p + 1; len = j - p - 1
                    p = j + 1
                } else {
                    if special && values > 0 && (c == UInt8(ascii: "_") || isWord(s, p, n)) { piece.stop = .irregular; break lineLoop }
                    start = p
                    // Eight bytes at a time to the first white space or control byte, then byte by byte near the end.
                    while p + 8 <= n {
                        let stop = SWAR.belowBang(SWAR.load(s + p))
                        if stop != 0 { p += SWAR.firstByte(stop); break }
                        p += 8
                    }
                    while p < n && s[p] > 0x20 { p += 1 }
                    len = p - start
                    if len == 0 || len > STARCells.maxLength { piece.stop = .irregular; break lineLoop }
                    if p < n && s[p] < 0x20 && s[p] != 0x09 && s[p] != 0x0a && s[p] != 0x0d { piece.stop = .irregular; break lineLoop }
                }
                if used == cap {
                    cap *= 2
                    out = realloc(out, cap * 8)!.assumingMemoryBound(to: UInt64.self)
                }
                out[used] = STARCells.pack(offset: start, length: len)
                used += 1
                values += 1
                // Most values are followed by one space and the next value.
                if p + 1 < n && s[p] == 0x20 && s[p + 1] > 0x20 && s[p + 1] != UInt8(ascii: "#") { p += 1; c = s[p]; continue }
                while p < n && blank(s[p]) { p += 1 }
                if p >= n || s[p] == 0x0a { break }
                c = s[p]
                if c == UInt8(ascii: "#") {
                    while p < n && s[p] != 0x0a { if s[p] < 0x20 && s[p] != 0x09 && s[p] != 0x0d { piece.stop = .irregular; break lineLoop }; p += 1 }
                    break
                }
                if c < 0x20 { piece.stop = .irregular; break lineLoop }
            }
            if values != width { piece.stop = .irregular; break }
            piece.rows += 1
            let row = out + used - width
            switch keep {
            case .cells: break
            case .summaries:
                scans.withUnsafeMutableBufferPointer { scan in
                    for c in 0 ..< width where scan[c].allNumber {
                        scan[c].add(s + STARCells.offset(row[c]), STARCells.length(row[c]))
                    }
                }
                used -= width
            case .counts(let c):
                let cell = row[c]
                counts[String(decoding: UnsafeBufferPointer(start: s + STARCells.offset(cell), count: STARCells.length(cell)), as: UTF8.self), default: 0] += 1
                used -= width
            }
            piece.lastRowEnd = p
            piece.linesBeforeLastRowEnd = lines
            if p < n { p += 1; lines += 1 }
        }
        piece.lines = lines
        piece.scans = scans
        piece.counts = counts
        // Give back the unused reserve (realloc shrinks in place).
        out = realloc(out, max(1, used) * 8)!.assumingMemoryBound(to: UInt64.self)
        piece.cells = STARCellBuffer(owning: out, count: used)
        return piece
    }

    /// True for the bytes a value starting with which needs a closer look: quotes, `_`, and the first letters
    /// of `data_` and `loop_` (and, harmlessly, a few others that share their low bits).
    @inline(__always)
    static func mayBeSpecial(_ c: UInt8) -> Bool {
        if c < 0x40 { return (0x0000_0084_0000_0000 as UInt64) &>> UInt64(c) & 1 != 0 }
        return (0x8000_1010_0000_0000 as UInt64) &>> UInt64((c | 0x20) & 0x3f) & 1 != 0
    }

    /// True when a bare `data_…` or `loop_` starts at `p`.
    @inline(__always)
    static func isWord(_ s: UnsafePointer<UInt8>, _ p: Int, _ n: Int) -> Bool {
        let c = s[p] | 0x20
        guard c == UInt8(ascii: "d") || c == UInt8(ascii: "l"), p + 5 <= n else { return false }
        let word: StaticString = c == UInt8(ascii: "d") ? "data_" : "loop_"
        for i in 0 ..< 5 where s[p + i] | 0x20 != word.utf8Start[i] | 0x20 { return false }
        if c == UInt8(ascii: "l") { return p + 5 == n || s[p + 5] <= 0x20 }
        return true
    }
}
