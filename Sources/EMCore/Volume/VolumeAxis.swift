import Dispatch
import FoundationEssentials
import Glibc

/// One of the three axes of a map, for axis-aligned projections and slices.
///
/// The 2-D result of projecting along (or slicing across) an axis keeps the other two axes in x, y, z
/// order: along **z** the image is (x, y), along **y** it is (x, z), along **x** it is (y, z). This is what
/// numpy gives for `data.sum(axis=…)` on an MRC array indexed `[z, y, x]` (axis 0 = z, 1 = y, 2 = x).
public enum VolumeAxis: String, CaseIterable, Codable, CustomStringConvertible {
    case x, y, z

    /// numpy's axis number for an array indexed `[z, y, x]`.
    public var numpyAxis: Int { switch self { case .x: 2; case .y: 1; case .z: 0 } }

    /// The two remaining axes as (horizontal, vertical) of the 2-D result.
    public var imageAxes: (horizontal: VolumeAxis, vertical: VolumeAxis) {
        switch self {
        case .x: return (.y, .z)
        case .y: return (.x, .z)
        case .z: return (.x, .y)
        }
    }

    /// Number of grid points of `size` along this axis.
    public func length(of size: GridSize) -> Int {
        switch self { case .x: size.nx; case .y: size.ny; case .z: size.nz }
    }

    /// Voxel size in Å along this axis.
    public func spacing(of v: VoxelSize) -> Double {
        switch self { case .x: v.x; case .y: v.y; case .z: v.z }
    }

    public var description: String { rawValue }
}

/// How the values along a ray are combined into one pixel.
public enum ProjectionKind: String, Codable, CaseIterable {
    /// The sum (a line integral, what an electron microscope records). The default.
    case sum
    /// The maximum (maximum-intensity projection), which shows the densest feature along each ray.
    case maximum = "max"
}

/// Errors making projections, slices and pictures; each names the file (or `<memory>`) and the problem.
public enum PictureError: Error, Equatable, CustomStringConvertible {
    /// A slice index outside 0..<length along the axis.
    case indexOutOfRange(path: String, axis: VolumeAxis, index: Int, length: Int)
    /// An oriented projection of a map too thin to interpolate (fewer than 2 voxels along an axis).
    case tooSmallToRotate(path: String, size: GridSize)
    /// A gallery with no tiles, or a picture size that is not positive.
    case emptyPicture(path: String, reason: String)

    public var description: String {
        switch self {
        case .indexOutOfRange(let p, let a, let i, let n):
            return "\(p): slice index \(i) along \(a) is outside 0…\(n - 1)"
        case .tooSmallToRotate(let p, let s):
            return "\(p): a \(s) map is too thin for an oriented projection (needs at least 2 voxels along each axis)"
        case .emptyPicture(let p, let r):
            return "\(p): \(r)"
        }
    }
}
