import CKernels
import Dispatch
import FoundationEssentials
import Glibc

/// Where the sections of a map come from for an axis-aligned pass: a `Volume` in memory, or an MRC file's
/// mapped data converted chunk by chunk (so a 4 GB file is projected without a 4 GB Float32 copy).
struct SectionSource {
    let size: GridSize
    /// True when `rows` may write into the scratch buffer (it then needs `rowCount·nx` floats).
    let needsScratch: Bool
    /// Pointer to the Float32 voxels of rows `ys` of section `z` (x fastest), contiguous; it may be unaligned.
    /// `scratch` has room for `ys.count · nx` values.
    let rows: (_ z: Int, _ ys: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) -> UnsafeRawPointer
}

enum AxisProjector {
    /// Project `source` along `axis`. See `Volume.projection(along:kind:)` for the image layout.
    /// - Complexity: one pass over the voxels, spread over all cores; extra memory: the image plus one
    ///   section-sized scratch buffer per chunk when converting.
    static func project(_ source: SectionSource, along axis: VolumeAxis, kind: ProjectionKind) -> [Float] {
        let g = source.size
        let (nx, ny, nz) = (g.nx, g.ny, g.nz)
        let start: Float = kind == .sum ? 0 : -.infinity
        switch axis {
        case .z:
            var out = [Float](repeating: start, count: nx * ny)
            out.withUnsafeMutableBufferPointer { o in
                let outBase = o.baseAddress!
                // Bands of about 256 KiB of rows: a read that fits the core's L2 cache, with few system calls.
                // In-process timings favoured them over 128 KiB bands; whole-process pairs on 2 cores could
                // not tell 4 bands from 8 apart (±6 %), and 32 bands were 13 % slower.
                Parallel.forEachChunk(count: ny, minChunk: max(1, (1 << 16) / nx)) { ys in
                    var scratch = [Float](repeating: 0, count: source.needsScratch ? ys.count * nx : 0)
                    scratch.withUnsafeMutableBufferPointer { s in
                        let dst = outBase + ys.lowerBound * nx
                        for z in 0 ..< nz {
                            let src = source.rows(z, ys, s.baseAddress ?? outBase)
                            combine(into: dst, src, count: ys.count * nx, kind: kind)
                        }
                    }
                }
            }
            return out
        case .y, .x:
            let width = axis == .y ? nx : ny
            var out = [Float](repeating: start, count: width * nz)
            out.withUnsafeMutableBufferPointer { o in
                let outBase = o.baseAddress!
                Parallel.forEachChunk(count: nz, minChunk: 1) { zs in
                    var scratch = [Float](repeating: 0, count: source.needsScratch ? nx * ny : 0)
                    scratch.withUnsafeMutableBufferPointer { s in
                        for z in zs {
                            let src = source.rows(z, 0 ..< ny, s.baseAddress ?? outBase)
                            let dst = outBase + z * width
                            if axis == .y {
                                for y in 0 ..< ny { combine(into: dst, src + y * nx * 4, count: nx, kind: kind) }
                            } else {
                                for y in 0 ..< ny { dst[y] = reduce(src + y * nx * 4, count: nx, kind: kind) }
                            }
                        }
                    }
                }
            }
            return out
        }
    }

    /// `dst[i] = dst[i] + src[i]` (or the larger of the two, `emt_fold_max`) for `count` values, 8 lanes at a time.
    @inline(__always)
    static func combine(into dst: UnsafeMutablePointer<Float>, _ src: UnsafeRawPointer, count: Int, kind: ProjectionKind) {
        var i = 0
        let d = UnsafeMutableRawPointer(dst)
        if kind == .sum {
            while i + 8 <= count {
                let v = d.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) + src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                d.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            while i < count { dst[i] += src.loadUnaligned(fromByteOffset: i * 4, as: Float.self); i += 1 }
        } else {
            emt_fold_max(dst, src, count)
        }
    }

    /// Sum (or maximum) of `count` values, 8 lanes at a time.
    @inline(__always)
    static func reduce(_ src: UnsafeRawPointer, count: Int, kind: ProjectionKind) -> Float {
        var i = 0
        if kind == .sum {
            var acc = SIMD8<Float>(repeating: 0)
            while i + 8 <= count { acc += src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self); i += 8 }
            var s = acc.sum()
            while i < count { s += src.loadUnaligned(fromByteOffset: i * 4, as: Float.self); i += 1 }
            return s
        } else {
            return emt_max_of(src, count)
        }
    }
}

extension Volume {
    /// The sum (or maximum-intensity) projection along `axis`.
    ///
    /// The image keeps the other two axes in x, y, z order (along z: columns x, rows y; along y: x and z;
    /// along x: y and z), row 0 being the lowest coordinate — `data.sum(axis=…)` of numpy on the `[z, y, x]`
    /// array. Its pixel size is the voxel size along the horizontal axis. Sums are accumulated in Float.
    /// - Complexity: one pass over the voxels, SIMD, spread over all cores; no copy of the volume.
    public func projection(along axis: VolumeAxis, kind: ProjectionKind = .sum) -> GrayImage {
        data.withUnsafeBufferPointer { buf in
            let base = UnsafeRawPointer(buf.baseAddress!)
            let nx = size.nx, ny = size.ny
            let source = SectionSource(size: size, needsScratch: false) { z, ys, _ in
                base + ((z * ny + ys.lowerBound) * nx) * 4
            }
            let (h, v) = axis.imageAxes
            let pixels = AxisProjector.project(source, along: axis, kind: kind)
            return GrayImage(width: h.length(of: size), height: v.length(of: size), pixelSize: h.spacing(of: voxelSize), pixels: pixels)
        }
    }
}

extension MRCFile {
    /// The sum (or maximum-intensity) projection along `axis`, straight from the mapped file: native float32
    /// data is read in place, other modes and byte orders are converted one block of rows at a time. Same
    /// layout as `Volume.projection(along:kind:)`. Files whose axis order is not x, y, z are read as a
    /// `Volume` first.
    /// - Complexity: one pass over the file, spread over all cores; extra memory: the image, plus one
    ///   section of Float32 per worker for modes other than native float32.
    /// - Throws: `FileError.shrankWhileReading` when another program truncated the file during the pass.
    public func projection(along axis: VolumeAxis, kind: ProjectionKind = .sum) throws -> GrayImage {
        guard header.axisOrder == .xyz else { return try readVolume().projection(along: axis, kind: kind) }
        let g = gridSize
        let (h, v) = axis.imageAxes
        let pixels = withSectionSource { AxisProjector.project($0, along: axis, kind: kind) }
        try checkUnchanged()
        return GrayImage(width: h.length(of: g), height: v.length(of: g), pixelSize: h.spacing(of: header.voxelSize), pixels: pixels)
    }

    /// Run `body` with a source of Float32 rows from the file (file axis order must be x, y, z). Native
    /// float32 is read in place, through the mapping of a plain file (or the decompressed bytes): on 2 cores
    /// with the file in the page cache, `emtools project` of a 512³ map took 64.5 ms that way against 77.7 ms
    /// when each band was first copied out with pread(2) (medians of 30 alternating runs; docs/pictures.md). Other modes are
    /// converted into the scratch buffer. Callers run `checkUnchanged()` afterwards: pages of a file
    /// truncated meanwhile read as zeros.
    func withSectionSource<T>(_ body: (SectionSource) throws -> T) rethrows -> T {
        let g = gridSize
        let nx = g.nx, ny = g.ny
        let raw = dataBytes.baseAddress!
        let inPlace = mode == .float32 && header.byteOrder == .native
        let source = SectionSource(size: g, needsScratch: !inPlace) { z, ys, scratch in
            let lo = (z * ny + ys.lowerBound) * nx, n = ys.count * nx
            if inPlace { return raw + lo * 4 }
            // convert() writes at absolute indices; shift the destination so that index lo lands at scratch[0].
            self.convert(lo ..< lo + n, into: scratch - lo)
            return UnsafeRawPointer(scratch)
        }
        return try body(source)
    }
}
