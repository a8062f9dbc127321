import Dispatch
import FoundationEssentials
import Glibc

/// Immutable shared bytes behind STAR tables: the parsed file (memory-mapped or decompressed), a copy of
/// text given in memory, or the bytes of values built by the user.
final class STARStorage {
    /// The bytes; valid as long as this object lives.
    let bytes: UnsafeBufferPointer<UInt8>
    /// True when `bytes` is the text of a STAR file, so that cell offsets map to lines and columns and the
    /// white space around a cell is the layout it was written with.
    let isSource: Bool
    private let owner: AnyObject?
    private let allocated: UnsafeMutableBufferPointer<UInt8>?

    /// A private copy of `bytes`.
    init(bytes: [UInt8], isSource: Bool = false) {
        let m = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
        _ = m.initialize(from: bytes)
        allocated = m
        self.bytes = UnsafeBufferPointer(start: m.baseAddress, count: bytes.count)
        owner = nil
        self.isSource = isSource
    }

    /// Bytes owned by `owner` (e.g. a memory-mapped `FileBytes`), kept alive as long as the storage.
    init(pointer: UnsafeBufferPointer<UInt8>, owner: AnyObject) {
        bytes = pointer
        self.owner = owner
        allocated = nil
        isSource = true
    }

    deinit { allocated?.deallocate() }

    @inline(__always)
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R { try body(bytes) }

    /// 1-based line and column of byte `offset` (counts newlines before it; used for error messages only).
    func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        guard let base = bytes.baseAddress else { return (1, 1) }
        var p = 0
        let end = min(offset, bytes.count)
        while p < end {
            guard let hit = memchr(base + p, 0x0a, end - p) else { break }
            let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            line += 1
            lineStart = i + 1
            p = i + 1
        }
        return (line, offset - lineStart + 1)
    }
}

/// A malloc'd run of packed cells (whole rows), freed with the last table that uses it.
final class STARCellBuffer {
    let base: UnsafeMutablePointer<UInt64>
    let count: Int

    /// Take ownership of `count` cells at `pointer` (from `malloc`/`realloc`).
    init(owning pointer: UnsafeMutablePointer<UInt64>, count: Int) { base = pointer; self.count = count }

    convenience init(copying cells: [UInt64]) {
        let p = malloc(max(1, cells.count) * 8)!.assumingMemoryBound(to: UInt64.self)
        cells.withUnsafeBufferPointer { if let b = $0.baseAddress { p.initialize(from: b, count: cells.count) } }
        self.init(owning: p, count: cells.count)
    }

    deinit { free(base) }
}

/// Where each cell of a loop lies in its storage, row-major. A cell is packed into 64 bits: the byte offset
/// in the low 40 bits (files up to 1 TiB), the length in the high 24 bits (values up to 16 MiB).
///
/// A table parsed over several cores keeps one segment per core's share of rows, so no step of parsing
/// needs the index twice in memory.
struct STARCells {
    /// Segments of whole rows, in row order.
    private(set) var segments: [STARCellBuffer]
    /// First row of each segment.
    private(set) var firstRows: [Int]
    /// Number of columns.
    let width: Int
    /// Number of rows.
    private(set) var rowCount: Int

    static let maxLength = (1 << 24) - 1
    static let maxOffset = (1 << 40) - 1

    init(width: Int, cells: [UInt64]) {
        self.width = width
        segments = [STARCellBuffer(copying: cells)]
        firstRows = [0]
        rowCount = width == 0 ? 0 : cells.count / width
    }

    /// Cells from consecutive segments, each a whole number of rows.
    init(width: Int, segments parts: [STARCellBuffer]) {
        self.width = width
        var segs: [STARCellBuffer] = [], firsts: [Int] = []
        var rows = 0
        for s in parts where s.count > 0 {
            segs.append(s); firsts.append(rows); rows += s.count / max(1, width)
        }
        if segs.isEmpty { segs = [STARCellBuffer(copying: [])]; firsts = [0] }
        segments = segs
        firstRows = firsts
        rowCount = rows
    }

    @inline(__always) static func pack(offset: Int, length: Int) -> UInt64 { UInt64(offset) | (UInt64(length) << 40) }
    @inline(__always) static func offset(_ c: UInt64) -> Int { Int(c & 0xff_ffff_ffff) }
    @inline(__always) static func length(_ c: UInt64) -> Int { Int(c >> 40) }

    /// The packed cell at (`row`, `column`).
    @inline(__always)
    func cell(row: Int, column: Int) -> UInt64 {
        if segments.count == 1 { return segments[0].base[row * width + column] }
        var lo = 0, hi = firstRows.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if firstRows[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        return segments[lo].base[(row - firstRows[lo]) * width + column]
    }

    /// Call `body(row, cell)` for each row in `rows` of `column`, walking segments without a search per row.
    @inline(__always)
    func forEach(column: Int, rows: Range<Int>, _ body: (Int, UInt64) -> Void) {
        guard !rows.isEmpty else { return }
        var s = 0
        while s + 1 < firstRows.count && firstRows[s + 1] <= rows.lowerBound { s += 1 }
        var r = rows.lowerBound
        while r < rows.upperBound {
            let first = firstRows[s]
            let segRows = segments[s].count / width
            let stop = min(rows.upperBound, first + segRows)
            let seg = segments[s].base
            var k = (r - first) * width + column
            while r < stop { body(r, seg[k]); r += 1; k += width }
            s += 1
        }
    }

    /// Call `body(row, cellsOfRow)` for every row in order, one segment at a time.
    func forEachRow(_ body: (Int, UnsafeBufferPointer<UInt64>) throws -> Void) rethrows {
        guard width > 0 else { return }
        for (s, seg) in segments.enumerated() {
            let first = firstRows[s]
            let rows = seg.count / width
            for r in 0 ..< rows { try body(first + r, UnsafeBufferPointer(start: seg.base + r * width, count: width)) }
        }
    }

    /// Call `body(cellsOfRow)` for each row in `rows`, in order, walking segments without a search per row.
    @inline(__always)
    func forEachRow(rows: Range<Int>, _ body: (UnsafePointer<UInt64>) -> Void) {
        guard !rows.isEmpty, width > 0 else { return }
        var s = 0
        while s + 1 < firstRows.count && firstRows[s + 1] <= rows.lowerBound { s += 1 }
        var r = rows.lowerBound
        while r < rows.upperBound {
            let first = firstRows[s]
            let stop = min(rows.upperBound, first + segments[s].count / width)
            var row = UnsafePointer(segments[s].base) + (r - first) * width
            while r < stop { body(row); r += 1; row += width }
            s += 1
        }
    }

    /// All cells of one row, in column order.
    func row(_ r: Int) -> [UInt64] { (0 ..< width).map { cell(row: r, column: $0) } }
}
