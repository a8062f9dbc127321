import Dispatch
import FoundationEssentials
import Glibc

/// How values are mapped into an integer or half-precision mode when writing.
public enum MRCValueScaling: String, Codable {
    /// Values are rounded as they are; a value that does not fit the mode is an error.
    case none
    /// Values are scaled linearly so that min…max fill the mode's range (int8/int16/uint16), or so that the
    /// largest magnitude fits float16; the scale is recorded in a label.
    case fit
}

/// Options for writing an MRC2014 file.
public struct MRCWriteOptions {
    public var mode: MRCMode = .float32
    public var byteOrder: ByteOrder = .native
    public var scaling: MRCValueScaling = .none
    /// Up to 10 labels of at most 80 characters. emtools adds one naming itself and the date when fewer than 10 are given.
    public var labels: [String] = []
    /// Space group word (ISPG); nil picks 0 for images and 1 for volumes.
    public var spaceGroup: Int32? = nil
    /// Extended header bytes to write after the main header (with `extType`).
    public var extendedHeader: Data = Data()
    public var extType: String = ""
    /// For a volume stack (ISPG 401–630): sections per volume, written as MZ (NZ must be a multiple).
    /// Nil writes MZ = NZ.
    public var volumeStackDepth: Int? = nil
    public init(mode: MRCMode = .float32, byteOrder: ByteOrder = .native, scaling: MRCValueScaling = .none, labels: [String] = []) {
        self.mode = mode; self.byteOrder = byteOrder; self.scaling = scaling; self.labels = labels
    }
}

/// Writes volumes as MRC2014 files: header with statistics of the values as stored, NVERSION 20140,
/// cell = grid × voxel size, ORIGIN in Å, the standard machine stamp; written atomically.
public enum MRCWriter {
    /// Write `volume` to `path` in `options.mode` (float32, int16, float16, int8 or uint16).
    /// - Throws: `MRCError.unsupportedMode` for a mode that cannot be written, `MRCError.valueOutOfRange` when
    ///   values do not fit an integer/half mode without `scaling: .fit`, `FileError.cannotWrite` on I/O failure.
    /// Nothing is left at `path` when writing fails.
    @discardableResult
    public static func write(_ volume: Volume, to path: String, options: MRCWriteOptions = .init()) throws -> MRCHeader {
        let mode = options.mode
        guard mode.isWritable else {
            throw MRCError.unsupportedMode(path: path, mode: mode, reason: "emtools writes float32, float16, int16, uint16 and int8")
        }
        let input = volume.statistics()
        let (scale, offset) = try scaling(for: mode, options.scaling, input, path: path)
        var header = MRCHeader(size: volume.size, voxelSize: volume.voxelSize, mode: mode, byteOrder: options.byteOrder)
        header.origin = SIMD3(Float(volume.origin.x), Float(volume.origin.y), Float(volume.origin.z))
        if let g = options.spaceGroup { header.ispg = g }
        if let d = options.volumeStackDepth, d > 0, volume.size.nz % d == 0 {
            header.mz = Int32(d)
            header.cellA.z = Float(volume.voxelSize.z * Double(d))
        }
        header.nsymbt = Int32(options.extendedHeader.count)
        header.extType = options.extType
        var labels = Array(options.labels.prefix(10))
        if scale != 1 || offset != 0, labels.count < 10 {
            labels.append(String(cFormat: "emtools: stored = %.6g * value + %.6g", scale, offset))
        }
        if labels.count < 10 {
            var now = time(nil), parts = tm()
            var text = [CChar](repeating: 0, count: 32)
            localtime_r(&now, &parts)
            let n = strftime(&text, text.count, "%Y-%m-%d %H:%M:%S", &parts)
            labels.append("emtools: written " + String(decoding: text.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        header.labels = labels
        let swap = options.byteOrder != .native
        try AtomicFile.write(to: path) { fd in
            let placeholder = header.encoded()
            try placeholder.withUnsafeBytes { try AtomicFile.writeAll(fd: fd, $0, path: path) }
            try options.extendedHeader.withUnsafeBytes { try AtomicFile.writeAll(fd: fd, $0, path: path) }
            var stats = VolumeStatistics.empty
            try volume.data.withUnsafeBufferPointer { src in
                let chunk = 1 << 20
                var bytes = [UInt8](repeating: 0, count: chunk * mode.bytesPerVoxel)
                var stored = [Float](repeating: 0, count: chunk)
                var start = 0
                while start < src.count {
                    let n = min(chunk, src.count - start)
                    encode(src.baseAddress! + start, n, mode, scale, offset, swap, &bytes, &stored)
                    stats = stats.merged(with: stored.withUnsafeBufferPointer { VolumeStatistics.of(UnsafeBufferPointer(rebasing: $0[0 ..< n])) })
                    try bytes.withUnsafeBytes { try AtomicFile.writeAll(fd: fd, UnsafeRawBufferPointer(rebasing: $0[0 ..< n * mode.bytesPerVoxel]), path: path) }
                    start += n
                }
            }
            header.dmin = stats.min; header.dmax = stats.max
            header.dmean = Float(stats.mean); header.rms = Float(stats.rms)
            let final = header.encoded()
            let written = final.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            if written != MRCHeader.size { throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        }
        return header
    }

    /// Scale and offset so that stored = scale·value + offset fits `mode`.
    static func scaling(for mode: MRCMode, _ how: MRCValueScaling, _ s: VolumeStatistics, path: String) throws -> (Float, Float) {
        let range: (Float, Float)?
        switch mode {
        case .int8: range = (-128, 127)
        case .int16: range = (-32768, 32767)
        case .uint16: range = (0, 65535)
        case .float16: range = (-65504, 65504)
        default: range = nil
        }
        guard let (lo, hi) = range, s.count > 0 else { return (1, 0) }
        if s.min.isNaN || s.max.isNaN || !s.min.isFinite || !s.max.isFinite {
            if mode == .float16 { return (1, 0) }
            throw MRCError.valueOutOfRange(path: path, mode: mode, min: s.min, max: s.max)
        }
        switch how {
        case .none:
            if mode == .float16 ? (s.min >= lo && s.max <= hi) : (s.min.rounded() >= lo && s.max.rounded() <= hi) { return (1, 0) }
            throw MRCError.valueOutOfRange(path: path, mode: mode, min: s.min, max: s.max)
        case .fit:
            if mode == .float16 {
                let m = max(abs(s.min), abs(s.max))
                return m > hi ? (hi / m, 0) : (1, 0)
            }
            if s.max == s.min { return (1, lo - s.min.rounded() < 0 && hi - s.min.rounded() > 0 ? 0 : -s.min.rounded()) }
            let scale = (hi - lo) / (s.max - s.min)
            return (scale, lo - scale * s.min)
        }
    }

    /// Encode `n` values into `bytes` in `mode`, also returning the stored values as Float in `stored`.
    static func encode(_ src: UnsafePointer<Float>, _ n: Int, _ mode: MRCMode, _ scale: Float, _ offset: Float,
                       _ swap: Bool, _ bytes: inout [UInt8], _ stored: inout [Float]) {
        bytes.withUnsafeMutableBytes { raw in
            stored.withUnsafeMutableBufferPointer { st in
                let scaled = scale != 1 || offset != 0
                switch mode {
                case .float32:
                    let p = raw.baseAddress!.assumingMemoryBound(to: UInt32.self)
                    for i in 0 ..< n {
                        let v = scaled ? src[i] * scale + offset : src[i]
                        st[i] = v; p[i] = swap ? v.bitPattern.byteSwapped : v.bitPattern
                    }
                case .float16:
                    let p = raw.baseAddress!.assumingMemoryBound(to: UInt16.self)
                    for i in 0 ..< n {
                        let h = Float16(scaled ? src[i] * scale + offset : src[i])
                        st[i] = Float(h); p[i] = swap ? h.bitPattern.byteSwapped : h.bitPattern
                    }
                case .int16:
                    let p = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
                    for i in 0 ..< n {
                        let v = Int16(max(-32768, min(32767, (scaled ? src[i] * scale + offset : src[i]).rounded())))
                        st[i] = Float(v); p[i] = swap ? v.byteSwapped : v
                    }
                case .uint16:
                    let p = raw.baseAddress!.assumingMemoryBound(to: UInt16.self)
                    for i in 0 ..< n {
                        let v = UInt16(max(0, min(65535, (scaled ? src[i] * scale + offset : src[i]).rounded())))
                        st[i] = Float(v); p[i] = swap ? v.byteSwapped : v
                    }
                case .int8:
                    let p = raw.baseAddress!.assumingMemoryBound(to: Int8.self)
                    for i in 0 ..< n {
                        let v = Int8(max(-128, min(127, (scaled ? src[i] * scale + offset : src[i]).rounded())))
                        st[i] = Float(v); p[i] = v
                    }
                default:
                    preconditionFailure("mode \(mode) is not writable")
                }
            }
        }
    }
}
