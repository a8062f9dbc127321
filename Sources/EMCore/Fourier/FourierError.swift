/// Errors of Fourier transforms and FSC, each one line naming the file(s) and what to do.
public enum FourierError: Error, Equatable, CustomStringConvertible {
    /// The transform buffer could not be allocated.
    case allocationFailed(bytes: Int)
    /// FFTW returned no plan for this size.
    case planFailed(size: GridSize)
    /// A map's grid differs from the grid being filled.
    case sizeMismatch(path: String, expected: GridSize, actual: GridSize)
    /// FSC needs a cubic box (or a square 2-D image).
    case notCubic(path: String, size: GridSize)
    /// The box is too small to have any resolution shell beyond the origin.
    case tooSmall(path: String, size: GridSize)
    /// The two half-maps have different boxes.
    case halfMapSizes(path1: String, size1: GridSize, path2: String, size2: GridSize)
    /// The two half-maps' headers give different pixel sizes (Å).
    case pixelSizes(path1: String, size1: Double, path2: String, size2: Double)
    /// The header gives no pixel size (or an anisotropic one) and none was given on the command line.
    case unknownPixelSize(path: String, found: VoxelSize)
    /// A pixel size given by the user is not a positive number.
    case badPixelSize(Double)
    /// The mask's box differs from the half-maps'.
    case maskSize(path: String, mask: GridSize, maps: GridSize)
    /// The mask has values outside 0…1 (as RELION requires, with 1e-6 slack).
    case maskRange(path: String, min: Float, max: Float)
    /// The mask is zero everywhere.
    case emptyMask(path: String)
    /// A map holds NaN or infinite values, so its FSC is undefined.
    case notFinite(path1: String, path2: String)

    public var description: String {
        switch self {
        case .allocationFailed(let b): return "cannot allocate \(b / (1 << 20)) MiB for a Fourier transform"
        case .planFailed(let s): return "FFTW could not plan a transform of a \(s) grid"
        case .sizeMismatch(let p, let e, let a): return "\(p): grid is \(a), expected \(e)"
        case .notCubic(let p, let s):
            return "\(p): FSC needs a cubic box (or a square 2-D image), got \(s); resize or pad the map first (e.g. relion_image_handler --new_box)"
        case .tooSmall(let p, let s): return "\(p): a \(s) box is too small for an FSC (needs at least 4 voxels per side)"
        case .halfMapSizes(let p1, let s1, let p2, let s2): return "half-maps differ in size: \(p1) is \(s1) but \(p2) is \(s2)"
        case .pixelSizes(let p1, let a1, let p2, let a2):
            return "half-maps differ in pixel size: \(p1) has \(fmt(a1)) Å but \(p2) has \(fmt(a2)) Å; fix the headers or give --angpix"
        case .unknownPixelSize(let p, let v):
            return v.isKnown ? "\(p): anisotropic pixel size \(v); give the pixel size with --angpix"
                : "\(p): the header gives no pixel size; give it with --angpix"
        case .badPixelSize(let a): return "pixel size must be a positive number of Å, got \(a)"
        case .maskSize(let p, let m, let s): return "\(p): mask is \(m) but the half-maps are \(s)"
        case .maskRange(let p, let lo, let hi):
            return "\(p): mask values must lie in 0…1 (1 = protein), found \(lo)…\(hi); make the mask with relion_mask_create"
        case .emptyMask(let p): return "\(p): the mask is zero everywhere; make the mask with relion_mask_create"
        case .notFinite(let p1, let p2): return "\(p1), \(p2): the maps hold NaN or infinite values; the FSC is undefined"
        }
    }

    private func fmt(_ v: Double) -> String { String(cFormat: "%.4f", v) }
}
