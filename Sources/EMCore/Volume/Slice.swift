import Dispatch
import FoundationEssentials
import Glibc

extension Volume {
    /// The section across `axis` at grid `index` (0-based; nil = the centre, `length / 2`, RELION's origin).
    /// The image layout is that of `projection(along:kind:)`: along z columns x and rows y, along y x and z,
    /// along x y and z — numpy's `data[index]`, `data[:, index]`, `data[:, :, index]`.
    /// - Throws: `PictureError.indexOutOfRange` for an index outside the grid.
    /// - Complexity: O(size of the slice).
    public func slice(across axis: VolumeAxis, at index: Int? = nil) throws -> GrayImage {
        try data.withUnsafeBufferPointer { buf in
            let base = UnsafeRawPointer(buf.baseAddress!)
            let nx = size.nx, ny = size.ny
            let source = SectionSource(size: size, needsScratch: false) { z, ys, _ in base + ((z * ny + ys.lowerBound) * nx) * 4 }
            return try SliceCutter.cut(source, across: axis, at: index, voxelSize: voxelSize, path: "<memory>")
        }
    }
}

extension MRCFile {
    /// The section across `axis` at `index` (nil = centre), read straight from the mapped file: only the
    /// rows the slice crosses are converted. Same layout as `Volume.slice(across:at:)`.
    /// - Throws: `PictureError.indexOutOfRange`.
    public func slice(across axis: VolumeAxis, at index: Int? = nil) throws -> GrayImage {
        guard header.axisOrder == .xyz else {
            do { return try readVolume().slice(across: axis, at: index) } catch let e as PictureError {
                throw e.naming(path)
            }
        }
        let voxelSize = header.voxelSize
        let image = try withSectionSource { try SliceCutter.cut($0, across: axis, at: index, voxelSize: voxelSize, path: path) }
        try checkUnchanged()
        return image
    }
}

extension PictureError {
    /// The same error naming `path` instead of `<memory>`.
    func naming(_ path: String) -> PictureError {
        switch self {
        case .indexOutOfRange(_, let a, let i, let n): return .indexOutOfRange(path: path, axis: a, index: i, length: n)
        case .tooSmallToRotate(_, let s): return .tooSmallToRotate(path: path, size: s)
        case .emptyPicture(_, let r): return .emptyPicture(path: path, reason: r)
        }
    }
}

enum SliceCutter {
    static func cut(_ source: SectionSource, across axis: VolumeAxis, at index: Int?, voxelSize: VoxelSize, path: String) throws -> GrayImage {
        let g = source.size
        let n = axis.length(of: g)
        let i = index ?? n / 2
        guard i >= 0 && i < n else { throw PictureError.indexOutOfRange(path: path, axis: axis, index: i, length: n) }
        let (h, v) = axis.imageAxes
        let width = h.length(of: g), height = v.length(of: g)
        var out = [Float](repeating: 0, count: width * height)
        var scratch = [Float](repeating: 0, count: source.needsScratch ? (axis == .z ? g.nx * g.ny : g.nx) : 0)
        out.withUnsafeMutableBufferPointer { o in
            scratch.withUnsafeMutableBufferPointer { s in
                let sp = s.baseAddress ?? o.baseAddress!
                switch axis {
                case .z:
                    let src = source.rows(i, 0 ..< g.ny, sp)
                    UnsafeMutableRawPointer(o.baseAddress!).copyMemory(from: src, byteCount: width * height * 4)
                case .y:
                    for z in 0 ..< g.nz {
                        let src = source.rows(z, i ..< i + 1, sp)
                        UnsafeMutableRawPointer(o.baseAddress! + z * width).copyMemory(from: src, byteCount: width * 4)
                    }
                case .x:
                    for z in 0 ..< g.nz {
                        for y in 0 ..< g.ny {
                            let src = source.rows(z, y ..< y + 1, sp)
                            o[z * width + y] = src.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                        }
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixelSize: h.spacing(of: voxelSize), pixels: out)
    }
}
