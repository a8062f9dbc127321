/// Problems with an MRC file's content. Each names the file; `description` is one line a user can act on.
public enum MRCError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than the 1024-byte header.
    case tooShortForHeader(path: String, size: Int)
    /// The MODE word is not one of the MRC2014 modes.
    case unknownMode(path: String, mode: Int32)
    /// NX, NY or NZ is zero or negative.
    case badDimensions(path: String, nx: Int32, ny: Int32, nz: Int32)
    /// The dimensions multiply past what any file can hold.
    case dimensionsOverflow(path: String, nx: Int32, ny: Int32, nz: Int32)
    /// NSYMBT (extended header size) is negative or points past the end of the file.
    case badExtendedHeader(path: String, nsymbt: Int32, fileSize: Int)
    /// The data block is shorter than the header's dimensions and mode require.
    case truncated(path: String, expected: Int, actual: Int)
    /// MAPC/MAPR/MAPS is not a permutation of 1, 2, 3.
    case badAxisOrder(path: String, mapc: Int32, mapr: Int32, maps: Int32)
    /// The file does not look like an MRC file at all (no MAP id and implausible header in both byte orders).
    case notMRC(path: String)
    /// The file is longer than header, extended header and data need (only with `allowTrailingBytes: false`).
    case trailingBytes(path: String, extra: Int)
    /// The FEI1/FEI2 extended header is inconsistent (record size out of range or larger than NSYMBT).
    case badFEIExtendedHeader(path: String, reason: String)
    /// A mode that cannot be written or converted as asked.
    case unsupportedMode(path: String, mode: MRCMode, reason: String)
    /// A value cannot be represented in the target mode.
    case valueOutOfRange(path: String, mode: MRCMode, min: Float, max: Float)

    public var description: String {
        switch self {
        case .tooShortForHeader(let p, let s):
            return "\(p): not an MRC file: \(s) bytes is shorter than the 1024-byte MRC header"
        case .unknownMode(let p, let m):
            return "\(p): unknown MRC mode \(m) (known: 0, 1, 2, 3, 4, 6, 12, 101)"
        case .badDimensions(let p, let x, let y, let z):
            return "\(p): invalid dimensions \(x)×\(y)×\(z): NX, NY and NZ must be positive"
        case .dimensionsOverflow(let p, let x, let y, let z):
            return "\(p): dimensions \(x)×\(y)×\(z) are too large for any file"
        case .badExtendedHeader(let p, let n, let s):
            return "\(p): extended header size NSYMBT=\(n) does not fit in the \(s)-byte file"
        case .truncated(let p, let e, let a):
            return "\(p): truncated: the header needs \(e) bytes of data but the file holds \(a)"
        case .badAxisOrder(let p, let c, let r, let s):
            return "\(p): invalid axis order MAPC/MAPR/MAPS = \(c),\(r),\(s): must be a permutation of 1,2,3"
        case .notMRC(let p):
            return "\(p): not an MRC file (no 'MAP ' id and no plausible header in either byte order)"
        case .trailingBytes(let p, let n):
            return "\(p): \(n) unexpected bytes after the data block (file longer than the header says)"
        case .badFEIExtendedHeader(let p, let why):
            return "\(p): invalid FEI extended header: \(why)"
        case .unsupportedMode(let p, let m, let why):
            return "\(p): mode \(m): \(why)"
        case .valueOutOfRange(let p, let m, let lo, let hi):
            return "\(p): values from \(lo) to \(hi) do not fit mode \(m); rescale first or choose float32"
        }
    }
}
