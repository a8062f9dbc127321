import Foundation

/// Float16 → Float table (256 KiB), so that conversion needs no F16C instructions on any x86-64.
let float16Table: [Float] = (0 ... UInt16.max).map { Float(Float16(bitPattern: $0)) }

extension MRCFile {
    /// Read the whole data block as Float32 in x, y, z order, converting from any mode and byte order.
    /// Work is split over all cores. Complex modes give the amplitude.
    /// - Complexity: one pass over the file; memory for one Float32 copy of the map.
    public func readVolume() throws -> Volume { try readVolumeAndStatistics().volume }

    /// Read the volume and compute its statistics in the same pass (each chunk is summarised while still in cache).
    public func readVolumeAndStatistics() throws -> (volume: Volume, statistics: VolumeStatistics) {
        let count = Int(header.nx) * Int(header.ny) * Int(header.nz)
        var values = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
        let stats = values.withUnsafeMutableBufferPointer { dst -> VolumeStatistics in
            let parts = Parallel.mapChunks(count: count, minChunk: 1 << 18) { range -> VolumeStatistics in
                convert(range, into: dst.baseAddress!)
                return VolumeStatistics.of(UnsafeBufferPointer(rebasing: dst[range]))
            }
            return parts.reduce(.empty) { $0.merged(with: $1) }
        }
        if header.axisOrder != .xyz { values = permuteToXYZ(values) }
        let h = header
        let vs = h.voxelSize
        var origin = SIMD3<Double>(Double(h.origin.x), Double(h.origin.y), Double(h.origin.z))
        if origin == .zero && (h.nxStart != 0 || h.nyStart != 0 || h.nzStart != 0) {
            // MRC2000-style files give the origin only through NXSTART…; convert to Å.
            let start = [Double(h.nxStart), Double(h.nyStart), Double(h.nzStart)]
            var xyz = [0.0, 0.0, 0.0]
            xyz[Int(h.axisOrder.column) - 1] = start[0]
            xyz[Int(h.axisOrder.row) - 1] = start[1]
            xyz[Int(h.axisOrder.section) - 1] = start[2]
            origin = SIMD3(xyz[0] * vs.x, xyz[1] * vs.y, xyz[2] * vs.z)
        }
        return (Volume(size: gridSize, voxelSize: vs, origin: origin, data: values), stats)
    }

    /// Statistics of the data (min, max, mean, RMS) in one parallel pass, without keeping a Float32 copy.
    public func statistics() -> VolumeStatistics {
        let count = Int(header.nx) * Int(header.ny) * Int(header.nz)
        let block = 1 << 16
        let parts = Parallel.mapChunks(count: (count + block - 1) / block, minChunk: 4) { blocks -> VolumeStatistics in
            var scratch = [Float](repeating: 0, count: block)
            var acc = VolumeStatistics.empty
            scratch.withUnsafeMutableBufferPointer { s in
                for b in blocks {
                    let lo = b * block, hi = min(lo + block, count)
                    // convert() writes at absolute indices; shift the destination so index lo lands at s[0].
                    convert(lo ..< hi, into: s.baseAddress! - lo)
                    acc = acc.merged(with: VolumeStatistics.of(UnsafeBufferPointer(rebasing: s[0 ..< hi - lo])))
                }
            }
            return acc
        }
        return parts.reduce(.empty) { $0.merged(with: $1) }
    }

    /// Convert voxels `range` (file order, linear index) to Float32, writing `out[i]` for each i in range.
    func convert(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let src = dataBytes.baseAddress!
        let swap = header.byteOrder != .native
        switch mode {
        case .float32:
            let p = src.assumingMemoryBound(to: UInt32.self)
            if swap { for i in range { out[i] = Float(bitPattern: p[i].byteSwapped) } } else {
                (out + range.lowerBound).update(from: src.assumingMemoryBound(to: Float.self) + range.lowerBound, count: range.count)
            }
        case .int16:
            let p = src.assumingMemoryBound(to: Int16.self)
            if swap { for i in range { out[i] = Float(p[i].byteSwapped) } } else { for i in range { out[i] = Float(p[i]) } }
        case .uint16:
            let p = src.assumingMemoryBound(to: UInt16.self)
            if swap { for i in range { out[i] = Float(p[i].byteSwapped) } } else { for i in range { out[i] = Float(p[i]) } }
        case .float16:
            let p = src.assumingMemoryBound(to: UInt16.self)
            float16Table.withUnsafeBufferPointer { t in
                if swap { for i in range { out[i] = t[Int(p[i].byteSwapped)] } } else { for i in range { out[i] = t[Int(p[i])] } }
            }
        case .int8:
            if options.unsignedMode0 {
                let p = src.assumingMemoryBound(to: UInt8.self)
                for i in range { out[i] = Float(p[i]) }
            } else {
                let p = src.assumingMemoryBound(to: Int8.self)
                for i in range { out[i] = Float(p[i]) }
            }
        case .complexInt16:
            let p = src.assumingMemoryBound(to: Int16.self)
            for i in range {
                let re = Float(swap ? p[2 * i].byteSwapped : p[2 * i]), im = Float(swap ? p[2 * i + 1].byteSwapped : p[2 * i + 1])
                out[i] = (re * re + im * im).squareRoot()
            }
        case .complexFloat32:
            let p = src.assumingMemoryBound(to: UInt32.self)
            for i in range {
                let a = swap ? p[2 * i].byteSwapped : p[2 * i], b = swap ? p[2 * i + 1].byteSwapped : p[2 * i + 1]
                let re = Float(bitPattern: a), im = Float(bitPattern: b)
                out[i] = (re * re + im * im).squareRoot()
            }
        case .packed4Bit:
            let p = src.assumingMemoryBound(to: UInt8.self)
            let nx = Int(header.nx), rowBytes = (nx + 1) / 2
            for i in range {
                let row = i / nx, col = i - row * nx
                let byte = p[row * rowBytes + col / 2]
                out[i] = Float(col & 1 == 0 ? byte & 0x0f : byte >> 4)
            }
        }
    }

    /// Reorder values stored with the file's axis order (columns fastest) into x, y, z order.
    func permuteToXYZ(_ values: [Float]) -> [Float] {
        let n = [Int(header.nx), Int(header.ny), Int(header.nz)]
        let g = gridSize
        // Stride in the xyz-ordered output of one step along file column, row, section.
        let strideOf = [1, g.nx, g.nx * g.ny]
        let sc = strideOf[Int(header.axisOrder.column) - 1]
        let sr = strideOf[Int(header.axisOrder.row) - 1]
        let ss = strideOf[Int(header.axisOrder.section) - 1]
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let d = dst
                Parallel.forEachChunk(count: n[2], minChunk: 1) { sections in
                    for s in sections {
                        for r in 0 ..< n[1] {
                            let base = (s * n[1] + r) * n[0]
                            let o = s * ss + r * sr
                            for c in 0 ..< n[0] { d[o + c * sc] = src[base + c] }
                        }
                    }
                }
            }
        }
        return out
    }
}
