import Dispatch
import FoundationEssentials
import Glibc

extension MRCHeader {
    /// Decode a 1024-byte header. The byte order comes from the machine stamp; when the stamp is unusual,
    /// the order in which MODE and the dimensions are plausible is taken (as mrcfile and IMOD do).
    /// - Throws: `MRCError.notMRC` when neither byte order gives a plausible header (known mode, dimensions
    ///   in 1…2²⁰) and the MAP id is missing. With the MAP id, implausible words are decoded as they are so
    ///   that `MRCFile.open` can name the exact problem (unknown mode, bad or huge dimensions).
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> MRCHeader {
        guard bytes.count >= MRCHeader.size else { throw MRCError.tooShortForHeader(path: path, size: bytes.count) }
        let stamp = Array(bytes[212 ..< 216])
        var order: ByteOrder
        switch stamp[0] {
        case 0x44, 0x41: order = .little
        case 0x11: order = .big
        default:
            // Old or odd stamp: take the byte order in which the header makes sense; a file that says
            // "MAP " but has an unknown mode is still decoded (by its dimensions) so the error can name the mode.
            if plausible(bytes, .little) { order = .little } else if plausible(bytes, .big) { order = .big }
            else if hasMapID(bytes), let o = [ByteOrder.little, .big].first(where: { plausibleDimensions(bytes, $0) }) { order = o }
            else { throw MRCError.notMRC(path: path) }
        }
        // A stamp that contradicts the data (some writers stamp wrongly): prefer the order that is plausible.
        if !plausible(bytes, order) {
            let other: ByteOrder = order == .little ? .big : .little
            if plausible(bytes, other) { order = other }
            // Neither order makes sense and there is no MAP id: the stamp bytes were a coincidence.
            else if !hasMapID(bytes) { throw MRCError.notMRC(path: path) }
        }
        let r = FieldReader(bytes: bytes, order: order)
        var h = MRCHeader(size: GridSize(1, 1, 1), voxelSize: VoxelSize(isotropic: 1), mode: .float32, byteOrder: order)
        h.nx = r.int(0); h.ny = r.int(1); h.nz = r.int(2)
        h.modeValue = r.int(3)
        h.nxStart = r.int(4); h.nyStart = r.int(5); h.nzStart = r.int(6)
        h.mx = r.int(7); h.my = r.int(8); h.mz = r.int(9)
        h.cellA = SIMD3(r.float(10), r.float(11), r.float(12))
        h.cellB = SIMD3(r.float(13), r.float(14), r.float(15))
        h.axisOrder = AxisOrder(column: r.int(16), row: r.int(17), section: r.int(18))
        h.dmin = r.float(19); h.dmax = r.float(20); h.dmean = r.float(21)
        h.ispg = r.int(22)
        h.nsymbt = r.int(23)
        h.extType = text(bytes, 104, 4)
        h.nversion = r.int(27)
        h.origin = SIMD3(r.float(49), r.float(50), r.float(51))
        h.mapID = String(decoding: bytes[208 ..< 212], as: UTF8.self)
        h.machineStamp = stamp
        h.rms = r.float(54)
        h.nlabl = r.int(55)
        let count = Int(min(max(h.nlabl, 0), 10))
        h.labels = (0 ..< count).map { text(bytes, 224 + 80 * $0, 80) }
        return h
    }

    /// Encode to 1024 bytes in `byteOrder`. The machine stamp is the standard one for that order and
    /// NLABL is the number of labels (at most 10, each cut to 80 bytes).
    public func encoded() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: MRCHeader.size)
        let w = FieldWriter(order: byteOrder)
        let ints: [(Int, Int32)] = [(0, nx), (1, ny), (2, nz), (3, modeValue), (4, nxStart), (5, nyStart), (6, nzStart),
                                    (7, mx), (8, my), (9, mz), (16, axisOrder.column), (17, axisOrder.row),
                                    (18, axisOrder.section), (22, ispg), (23, nsymbt), (27, nversion),
                                    (55, Int32(min(labels.count, 10)))]
        for (word, v) in ints { w.put(UInt32(bitPattern: v), word: word, into: &out) }
        let floats: [(Int, Float)] = [(10, cellA.x), (11, cellA.y), (12, cellA.z), (13, cellB.x), (14, cellB.y),
                                      (15, cellB.z), (19, dmin), (20, dmax), (21, dmean), (49, origin.x),
                                      (50, origin.y), (51, origin.z), (54, rms)]
        for (word, v) in floats { w.put(v.bitPattern, word: word, into: &out) }
        for (i, b) in extType.utf8.prefix(4).enumerated() { out[104 + i] = b }
        for (i, b) in "MAP ".utf8.enumerated() { out[208 + i] = b }
        for (i, b) in byteOrder.machineStamp.enumerated() { out[212 + i] = b }
        for (l, label) in labels.prefix(10).enumerated() {
            let bytes = Array(label.utf8.prefix(80))
            for i in 0 ..< 80 { out[224 + 80 * l + i] = i < bytes.count ? bytes[i] : 0x20 }
        }
        return out
    }

    /// True when MODE is known and NX, NY, NZ are positive and below 2^20 in `order`.
    static func plausible(_ bytes: UnsafeRawBufferPointer, _ order: ByteOrder) -> Bool {
        let r = FieldReader(bytes: bytes, order: order)
        guard MRCMode(rawValue: r.int(3)) != nil else { return false }
        return plausibleDimensions(bytes, order)
    }

    /// True when NX, NY, NZ are positive and below 2^20 in `order`.
    static func plausibleDimensions(_ bytes: UnsafeRawBufferPointer, _ order: ByteOrder) -> Bool {
        let r = FieldReader(bytes: bytes, order: order)
        return (0 ..< 3).allSatisfy { let v = r.int($0); return v > 0 && v < (1 << 20) }
    }

    /// True when word 53 reads "MAP " (or "MAP" followed by a NUL, as some writers put it).
    static func hasMapID(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Array(bytes[208 ..< 211]) == Array("MAP".utf8)
    }

    /// ASCII text at a byte range, NULs and trailing blanks removed.
    static func text(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> String {
        let raw = bytes[offset ..< offset + length].map { $0 == 0 ? UInt8(0x20) : $0 }
        var s = String(decoding: raw, as: UTF8.self)
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Reads 4-byte header words in a given byte order.
struct FieldReader {
    let bytes: UnsafeRawBufferPointer
    let order: ByteOrder
    func word(_ i: Int) -> UInt32 {
        let v = bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
        return order == .little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
    }
    func int(_ i: Int) -> Int32 { Int32(bitPattern: word(i)) }
    func float(_ i: Int) -> Float { Float(bitPattern: word(i)) }
}

/// Writes 4-byte header words in a given byte order.
struct FieldWriter {
    let order: ByteOrder
    func put(_ v: UInt32, word: Int, into out: inout [UInt8]) {
        let e = order == .little ? v.littleEndian : v.bigEndian
        withUnsafeBytes(of: e) { for i in 0 ..< 4 { out[4 * word + i] = $0[i] } }
    }
}
