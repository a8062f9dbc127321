import Dispatch
import FoundationEssentials
import Glibc

/// Number of grid points along x, y and z. A 2-D image has `nz == 1`.
public struct GridSize: Equatable, Hashable, Codable, CustomStringConvertible {
    public var nx: Int
    public var ny: Int
    public var nz: Int
    public init(_ nx: Int, _ ny: Int, _ nz: Int) { self.nx = nx; self.ny = ny; self.nz = nz }
    /// Total number of voxels, `nx·ny·nz`.
    public var count: Int { nx * ny * nz }
    public var description: String { "\(nx)×\(ny)×\(nz)" }
}

/// Size of one voxel along x, y and z in ångström (Å). Zero means "unknown" (an MRC file with no cell).
public struct VoxelSize: Equatable, Codable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var z: Double
    public init(x: Double, y: Double, z: Double) { self.x = x; self.y = y; self.z = z }
    /// The same size along all three axes, in Å.
    public init(isotropic a: Double) { self.init(x: a, y: a, z: a) }
    /// True when all three sizes are equal within 0.01 %.
    public var isIsotropic: Bool { abs(x - y) <= 1e-4 * abs(x) && abs(x - z) <= 1e-4 * abs(x) }
    /// True when at least one size is positive (the file said something about the pixel size).
    public var isKnown: Bool { x > 0 || y > 0 || z > 0 }
    public var description: String { isIsotropic ? String(cFormat: "%.4f Å", x) : String(cFormat: "%.4f × %.4f × %.4f Å", x, y, z) }
}

/// A 3-D map (or a 2-D image when `size.nz == 1`) of single-precision values.
///
/// Storage is contiguous and x-fastest ("column" order of an MRC file with axis order 1,2,3): the voxel
/// at (x, y, z) is `data[x + nx·(y + ny·z)]`. Whatever the axis order of the file it came from, a `Volume`
/// is always in x, y, z order.
public struct Volume {
    /// Grid dimensions in voxels.
    public var size: GridSize
    /// Voxel size in Å.
    public var voxelSize: VoxelSize
    /// Position of the first voxel in Å (MRC2014 ORIGIN words, or NXSTART·pixel size when ORIGIN is zero).
    public var origin: SIMD3<Double>
    /// The voxel values, `size.count` of them, x fastest.
    public var data: [Float]

    /// A map of the given size filled with `value`.
    public init(size: GridSize, voxelSize: VoxelSize = VoxelSize(isotropic: 1), origin: SIMD3<Double> = .zero, repeating value: Float = 0) {
        precondition(size.nx > 0 && size.ny > 0 && size.nz > 0, "volume dimensions must be positive")
        self.size = size
        self.voxelSize = voxelSize
        self.origin = origin
        self.data = [Float](repeating: value, count: size.count)
    }

    /// A map wrapping existing values; `data.count` must equal `size.count`.
    public init(size: GridSize, voxelSize: VoxelSize = VoxelSize(isotropic: 1), origin: SIMD3<Double> = .zero, data: [Float]) {
        precondition(data.count == size.count, "volume data count \(data.count) does not match \(size)")
        self.size = size
        self.voxelSize = voxelSize
        self.origin = origin
        self.data = data
    }

    /// Linear index of voxel (x, y, z).
    @inlinable public func index(_ x: Int, _ y: Int, _ z: Int) -> Int { x + size.nx * (y + size.ny * z) }

    /// The value at voxel (x, y, z).
    @inlinable public subscript(x: Int, y: Int, z: Int) -> Float {
        get { data[index(x, y, z)] }
        set { data[index(x, y, z)] = newValue }
    }

    /// True for a 2-D image (one section).
    public var isImage: Bool { size.nz == 1 }
}
