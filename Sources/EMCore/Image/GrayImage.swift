import Dispatch
import FoundationEssentials
import Glibc

/// A 2-D image of single-precision values: a projection, a slice, or a down-scaled picture before it is
/// turned into grey levels.
///
/// Pixel order is the map's: x fastest, and row 0 is **y = 0** (the bottom of the picture when it is shown
/// y-up, as RELION, Chimera and IMOD show maps). `pixels[x + width·y]` is the value at (x, y). Turning the
/// image into PNG rows (where row 0 is the top) is done by `GrayImage.quantized8` / `quantized16`, which
/// flip y by default.
public struct GrayImage: Equatable {
    /// Number of columns (x).
    public var width: Int
    /// Number of rows (y).
    public var height: Int
    /// Values, `width·height` of them, x fastest, y = 0 first.
    public var pixels: [Float]
    /// Size of one pixel in Å (0 when unknown); down-scaling multiplies it.
    public var pixelSize: Double

    /// An image of `width × height` pixels filled with `value`.
    public init(width: Int, height: Int, pixelSize: Double = 0, repeating value: Float = 0) {
        precondition(width > 0 && height > 0, "image dimensions must be positive")
        self.width = width
        self.height = height
        self.pixelSize = pixelSize
        pixels = [Float](repeating: value, count: width * height)
    }

    /// An image wrapping existing values (x fastest, y = 0 first); `pixels.count` must be `width·height`.
    public init(width: Int, height: Int, pixelSize: Double = 0, pixels: [Float]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "image data does not match \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixelSize = pixelSize
        self.pixels = pixels
    }

    /// The value at column x, row y (y = 0 is the first row of `pixels`).
    @inlinable public subscript(x: Int, y: Int) -> Float {
        get { pixels[x + width * y] }
        set { pixels[x + width * y] = newValue }
    }

    /// Minimum, maximum, mean and standard deviation of the pixel values.
    public func statistics() -> VolumeStatistics {
        pixels.withUnsafeBufferPointer { VolumeStatistics.parallel($0) }
    }

    /// The image as a one-section `Volume` (for writing as an MRC image with `MRCWriter`).
    public func asVolume() -> Volume {
        let a = pixelSize > 0 ? pixelSize : 1
        return Volume(size: GridSize(width, height, 1), voxelSize: VoxelSize(isotropic: a), data: pixels)
    }
}
