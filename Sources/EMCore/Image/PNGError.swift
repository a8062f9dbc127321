/// Errors writing or reading PNG pictures; each names the file.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    /// libpng refused the image (its message is kept).
    case encode(path: String, message: String)
    /// libpng could not read the file (its message is kept).
    case decode(path: String, message: String)
    /// Width or height is zero, or the pixel count does not match.
    case badSize(path: String, width: Int, height: Int, pixels: Int)

    public var description: String {
        switch self {
        case .encode(let p, let m): return "\(p): cannot write PNG: \(m)"
        case .decode(let p, let m): return "\(p): cannot read PNG: \(m)"
        case .badSize(let p, let w, let h, let n): return "\(p): a \(w)×\(h) picture needs \(w * h) pixels per channel, got \(n)"
        }
    }
}
