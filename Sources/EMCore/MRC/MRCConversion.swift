import CKernels
import Dispatch
import FoundationEssentials
import Glibc

extension MRCFile {
    /// Read the whole data block as Float32 in x, y, z order, converting from any mode, byte order and axis
    /// order. Work is split over all cores. Complex modes give the amplitude |re + i·im|; mode 0 is signed
    /// unless `MRCReadOptions.unsignedMode0`; mode 101 gives 0…15.
    /// - Complexity: one pass over the file (two when the axis order is not 1,2,3); memory for one Float32
    ///   copy of the map (two while reordering axes).
    public func readVolume() throws -> Volume { try readVolumeAndStatistics().volume }

    /// Read the volume and compute its statistics in the same pass (each block is summarised while still in cache).
    public func readVolumeAndStatistics() throws -> (volume: Volume, statistics: VolumeStatistics) {
        let count = voxelCount
        var values = [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
        let stats = values.withUnsafeMutableBufferPointer { dst -> VolumeStatistics in
            let out = dst.baseAddress!
            let parts = Parallel.mapChunks(count: count, minChunk: 1 << 18) { range -> VolumeStatistics in
                // Convert and summarise 4096 voxels at a time, so the summary reads them from L1; the blocks
                // are those `VolumeStatistics.of` would use, so the result is the same.
                var acc = VolumeStatistics.empty
                var lo = range.lowerBound
                while lo < range.upperBound {
                    let hi = Swift.min(lo + 4096, range.upperBound)
                    convert(lo ..< hi, into: out)
                    acc = acc.merged(with: VolumeStatistics.ofBlock(UnsafeBufferPointer(start: out + lo, count: hi - lo)))
                    lo = hi
                }
                return acc
            }
            return parts.reduce(.empty) { $0.merged(with: $1) }
        }
        try checkUnchanged()
        if header.axisOrder != .xyz { values = permuteToXYZ(values) }
        return (Volume(size: gridSize, voxelSize: header.voxelSize, origin: originAngstrom, data: values), stats)
    }

    /// Number of voxels in the data block (NX·NY·NZ; checked at open time to fit the file).
    public var voxelCount: Int { Int(header.nx) * Int(header.ny) * Int(header.nz) }

    /// Position of the first voxel in Å, x, y, z: the MRC2014 ORIGIN words; when these are all zero and
    /// NXSTART/NYSTART/NZSTART are not (MRC2000-style files), the start indices times the voxel size.
    public var originAngstrom: SIMD3<Double> {
        let h = header
        let origin = SIMD3<Double>(Double(h.origin.x), Double(h.origin.y), Double(h.origin.z))
        guard origin == .zero, h.nxStart != 0 || h.nyStart != 0 || h.nzStart != 0 else { return origin }
        // NXSTART… are in column, row, section order: put each on its axis, then convert to Å.
        let start = [Double(h.nxStart), Double(h.nyStart), Double(h.nzStart)]
        let axes = [h.axisOrder.column, h.axisOrder.row, h.axisOrder.section]
        var xyz = [0.0, 0.0, 0.0]
        for k in 0 ..< 3 { xyz[Int(axes[k]) - 1] = start[k] }
        let vs = h.voxelSize
        return SIMD3(xyz[0] * vs.x, xyz[1] * vs.y, xyz[2] * vs.z)
    }

    /// Statistics of the data (min, max, mean, RMS) in one parallel pass, without keeping a Float32 copy.
    /// Each worker reads its share of the data block 256 KiB at a time into its own buffer (`FileBytes.copyBytes`:
    /// pread(2) for plain files, so no page of the mapping is faulted in or unmapped), converts it 4096 voxels
    /// at a time into an L1-sized scratch (native float32 is summarised in place) and summarises it there.
    /// Mode 101, whose rows are padded to whole bytes, is converted straight from the mapping; float16
    /// takes `histogramStatistics` where that is the faster path; int16 is summed exactly in integers
    /// (`int16Statistics`).
    /// - Complexity: one pass over the data block; O(threads × 272 KiB) extra memory.
    /// - Throws: `FileError.shrankWhileReading` when another program truncated the file during the pass.
    public func statistics() throws -> VolumeStatistics {
        let s = streamedStatistics()
        try checkUnchanged()
        return s
    }

    /// `statistics()` without the final check (see there).
    func streamedStatistics() -> VolumeStatistics {
        let count = voxelCount
        guard count > 0 else { return .empty }
        if mode == .packed4Bit { return mappedStatistics() }
        // float16 without F16C/AVX2: count bit patterns instead of converting voxels (exact, and cheaper there).
        if let s = histogramStatistics() { return s }
        let bytesPerVoxel = mode.bytesPerVoxel
        let inPlace = mode == .float32 && header.byteOrder == .native
        let readVoxels = (256 << 10) / bytesPerVoxel, block = 4096
        if mode == .int16 { return int16Statistics(readVoxels: readVoxels) }
        let parts = Parallel.mapChunks(count: (count + readVoxels - 1) / readVoxels, minChunk: 1) { reads -> VolumeStatistics in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: readVoxels * bytesPerVoxel, alignment: 64)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: block)
            defer { raw.deallocate(); scratch.deallocate() }
            var acc = VolumeStatistics.empty
            for r in reads {
                let first = r * readVoxels, end = Swift.min(first + readVoxels, count)
                storage.copyBytes(at: dataOffset + first * bytesPerVoxel, count: (end - first) * bytesPerVoxel, into: raw)
                var lo = first
                while lo < end {
                    let hi = Swift.min(lo + block, end)
                    let values: UnsafePointer<Float>
                    if inPlace {
                        values = UnsafePointer(raw.assumingMemoryBound(to: Float.self) + (lo - first))
                    } else {
                        // convert() uses absolute voxel indices: shift the source so that voxel `first` is at
                        // raw[0], and the destination so that voxel `lo` lands at scratch[0].
                        MRCDecoding.convert(UnsafeRawPointer(raw - first * bytesPerVoxel), mode: mode,
                                            swap: header.byteOrder != .native, unsignedMode0: options.unsignedMode0,
                                            nx: Int(header.nx), lo ..< hi, into: scratch - lo)
                        values = UnsafePointer(scratch)
                    }
                    acc = acc.merged(with: VolumeStatistics.ofBlock(UnsafeBufferPointer(start: values, count: hi - lo)))
                    lo = hi
                }
            }
            return acc
        }
        return parts.reduce(.empty) { $0.merged(with: $1) }
    }

    /// Statistics of int16 data in exact integer arithmetic (`emt_int16_moments`: min, max, Σx, Σx²), read
    /// 256 KiB at a time per worker as in `statistics()`: no conversion to Float32 and one pass instead of
    /// two. The mean and RMS come from the exact sums (M2 = Σx² − (Σx)²/n in 128-bit integers), so they do
    /// not depend on the thread count.
    func int16Statistics(readVoxels: Int) -> VolumeStatistics {
        let count = voxelCount
        let swap: Int32 = header.byteOrder != .native ? 1 : 0
        let parts = Parallel.mapChunks(count: (count + readVoxels - 1) / readVoxels, minChunk: 1) { reads -> emt_int16_moments in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: readVoxels * 2, alignment: 64)
            defer { raw.deallocate() }
            var m = emt_int16_moments(min: Int32.max, max: Int32.min, sum: 0, sum_squares: 0)
            for r in reads {
                let first = r * readVoxels, end = Swift.min(first + readVoxels, count)
                storage.copyBytes(at: dataOffset + first * 2, count: (end - first) * 2, into: raw)
                emt_int16_moments(raw, end - first, swap, &m)
            }
            return m
        }
        var total = emt_int16_moments(min: Int32.max, max: Int32.min, sum: 0, sum_squares: 0)
        for p in parts {
            total.min = Swift.min(total.min, p.min)
            total.max = Swift.max(total.max, p.max)
            total.sum += p.sum
            total.sum_squares += p.sum_squares
        }
        let n = Int128(count), sum = Int128(total.sum)
        let m2 = Double(n * Int128(total.sum_squares) - sum * sum) / Double(count)
        return VolumeStatistics(min: Float(total.min), max: Float(total.max), mean: Double(total.sum) / Double(count),
                                rms: (Swift.max(0, m2) / Double(count)).squareRoot(), count: count)
    }

    /// Statistics converted block by block straight from the mapped data (any mode, including 101).
    func mappedStatistics() -> VolumeStatistics {
        let count = voxelCount
        let block = 1 << 12
        let parts = Parallel.mapChunks(count: (count + block - 1) / block, minChunk: 64) { blocks -> VolumeStatistics in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: block)
            defer { scratch.deallocate() }
            var acc = VolumeStatistics.empty
            for b in blocks {
                let lo = b * block, hi = Swift.min(lo + block, count)
                // convert() writes at absolute indices; shift the destination so index lo lands at scratch[0].
                convert(lo ..< hi, into: scratch - lo)
                acc = acc.merged(with: VolumeStatistics.ofBlock(UnsafeBufferPointer(start: scratch, count: hi - lo)))
            }
            return acc
        }
        return parts.reduce(.empty) { $0.merged(with: $1) }
    }

    /// Throw when the file shrank after it was opened, so that nothing computed from the zeros that stand
    /// in for its vanished pages is reported (see `FileBytes`). Every reader of the data calls it at the end.
    /// - Throws: `FileError.shrankWhileReading`.
    public func checkUnchanged() throws { try storage.checkIntact() }

    /// Convert voxels `range` (file order, linear index) to Float32, writing `out[i]` for each i in range.
    func convert(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        MRCDecoding.convert(dataBytes.baseAddress!, mode: mode, swap: header.byteOrder != .native,
                            unsignedMode0: options.unsignedMode0, nx: Int(header.nx), range, into: out)
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
