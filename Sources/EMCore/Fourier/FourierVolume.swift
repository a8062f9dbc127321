import CFFTW
import Dispatch
import FoundationEssentials
import Glibc

/// A real grid and its half-complex Fourier transform sharing one FFTW-aligned buffer (FFTW's in-place layout):
/// the memory of one transform, with no second copy of the map.
///
/// Real domain: voxel (x, y, z) is at `x + rowLength·(y + ny·z)` with `rowLength = 2·(nx/2 + 1)` (each x row
/// padded by 1 or 2 floats). Fourier domain: coefficient (kx, y, z) for kx in 0…nx/2 is the complex pair at
/// float offset `2·(kx + (nx/2 + 1)·(y + ny·z))`; row y holds frequency ky = y for y ≤ ny/2 and y − ny above
/// (likewise z), so even sizes carry the Nyquist plane at +n/2. Transforms are unnormalised, as FFTW's.
public final class FourierVolume {
    /// Whether the buffer currently holds the real grid or its spectrum.
    public enum Domain { case real, fourier }

    /// Grid size of the real map.
    public let size: GridSize
    /// Number of complex coefficients along x: `nx/2 + 1`.
    public let complexWidth: Int
    /// Floats per padded real row: `2·complexWidth`.
    public var rowLength: Int { 2 * complexWidth }
    public private(set) var domain: Domain = .real
    /// How FFTW plans are made when no wisdom is cached.
    public let rigor: FFTPlan.Rigor
    let storage: UnsafeMutablePointer<Float>

    /// Floats needed for an in-place transform of `size`.
    static func storageCount(_ size: GridSize) -> Int { 2 * (size.nx / 2 + 1) * size.ny * size.nz }

    /// A zeroed buffer for a grid of `size` (`fftwf_alloc_real`).
    /// - Throws: `FourierError.allocationFailed` when the memory is not available.
    public convenience init(size: GridSize, rigor: FFTPlan.Rigor = .fromEnvironment) throws {
        try self.init(size: size, rigor: rigor, zeroed: true)
    }

    /// A buffer for a grid of `size`, zeroed or not: `zeroed: false` is for a volume that a `load` fills at
    /// once (every voxel and every pad float is written), which saves a pass over the whole buffer.
    init(size: GridSize, rigor: FFTPlan.Rigor, zeroed: Bool) throws {
        precondition(size.nx > 0 && size.ny > 0 && size.nz > 0)
        let count = FourierVolume.storageCount(size)
        guard let p = fftwf_alloc_real(count) else { throw FourierError.allocationFailed(bytes: count * 4) }
        self.size = size
        self.complexWidth = size.nx / 2 + 1
        self.rigor = rigor
        storage = p
        // Plan before any data arrives; planning never touches the buffer except through a scratch copy.
        _ = try FFTPlan.shared(size: size, direction: .forward, rigor: rigor, buffer: storage)
        if zeroed {
            Parallel.forEachChunk(count: count, minChunk: 1 << 20) { r in (p + r.lowerBound).initialize(repeating: 0, count: r.count) }
        }
    }

    deinit { fftwf_free(storage) }

    /// Number of complex coefficients held: `(nx/2 + 1)·ny·nz`.
    public var coefficientCount: Int { complexWidth * size.ny * size.nz }

    /// Copy `volume` (same size) into the real grid, optionally multiplied voxel by voxel by `mask`.
    /// - Complexity: one parallel pass over the map.
    public func load(_ volume: Volume, multipliedBy mask: Volume? = nil) {
        precondition(volume.size == size && (mask == nil || mask!.size == size), "FourierVolume.load: size mismatch")
        volume.data.withUnsafeBufferPointer { src in
            let s = src.baseAddress!
            loadRows { row, out in out.update(from: s + row * size.nx, count: size.nx) }
        }
        domain = .real
        if let m = mask { multiply(by: m) }
    }

    /// Read the map of an opened MRC file straight into the real grid (no intermediate Float copy for files in
    /// x, y, z axis order), optionally multiplied by `mask`.
    /// - Throws: `FourierError.sizeMismatch` when the file's grid differs from `size`.
    public func load(_ file: MRCFile, multipliedBy mask: Volume? = nil) throws {
        guard file.gridSize == size else { throw FourierError.sizeMismatch(path: file.path, expected: size, actual: file.gridSize) }
        if file.header.axisOrder == .xyz {
            let nx = size.nx
            // convert() writes out[i] for file index i: shift the destination so the row lands at `out`.
            loadRows { row, out in file.convert(row * nx ..< (row + 1) * nx, into: out - row * nx) }
            try file.checkUnchanged()
            domain = .real
            if let m = mask { multiply(by: m) }
        } else {
            try load(file.readVolume(), multipliedBy: mask)
        }
    }

    /// Fill each padded row through `body(rowIndex, destination)`, rows split over all cores; pad floats are zeroed.
    private func loadRows(_ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let rows = size.ny * size.nz, nx = size.nx, stride = rowLength, base = storage
        Parallel.forEachChunk(count: rows, minChunk: max(1, (1 << 16) / nx)) { range in
            for row in range {
                let out = base + row * stride
                body(row, out)
                for x in nx ..< stride { out[x] = 0 }
            }
        }
    }

    /// Multiply the real grid voxel by voxel by `mask` (same size).
    public func multiply(by mask: Volume) {
        precondition(domain == .real && mask.size == size, "FourierVolume.multiply: needs the real grid and a mask of the same size")
        let rows = size.ny * size.nz, nx = size.nx, stride = rowLength, base = storage
        mask.data.withUnsafeBufferPointer { m in
            let mp = m.baseAddress!
            Parallel.forEachChunk(count: rows, minChunk: max(1, (1 << 16) / nx)) { range in
                for row in range {
                    let out = base + row * stride, mrow = mp + row * nx
                    for x in 0 ..< nx { out[x] *= mrow[x] }
                }
            }
        }
    }

    /// Real → half-complex in place (unnormalised `fftwf_execute_dft_r2c`).
    /// - Complexity: O(N log N) on `Parallel.threadCount` threads.
    public func forward() throws {
        precondition(domain == .real, "forward() needs the real grid")
        try FFTPlan.shared(size: size, direction: .forward, rigor: rigor, buffer: storage).execute(on: storage)
        domain = .fourier
    }

    /// Half-complex → real in place (unnormalised `fftwf_execute_dft_c2r`: `inverse(forward(x)) = N·x` for N
    /// voxels). The spectrum is consumed.
    public func inverse() throws {
        precondition(domain == .fourier, "inverse() needs the spectrum")
        try FFTPlan.shared(size: size, direction: .inverse, rigor: rigor, buffer: storage).execute(on: storage)
        domain = .real
    }

    /// The real value at voxel (x, y, z) (real domain).
    public func value(x: Int, y: Int, z: Int) -> Float {
        precondition(domain == .real)
        return storage[x + rowLength * (y + size.ny * z)]
    }

    /// The complex coefficient at array position (kx, y, z) (Fourier domain), as (real, imaginary).
    public func coefficient(kx: Int, y: Int, z: Int) -> (re: Float, im: Float) {
        precondition(domain == .fourier && kx < complexWidth)
        let o = 2 * (kx + complexWidth * (y + size.ny * z))
        return (storage[o], storage[o + 1])
    }

    /// Signed frequency index of array position `i` along an axis of `n` points (0…n/2 positive, then negative).
    @inlinable public static func frequency(_ i: Int, _ n: Int) -> Int { i <= n / 2 ? i : i - n }
}
