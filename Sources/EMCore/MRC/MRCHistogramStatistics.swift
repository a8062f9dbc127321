import CKernels
import Dispatch
import FoundationEssentials
import Glibc

extension MRCFile {
    /// Statistics of a float16 data block (mode 12) from per-thread histograms of the stored bit
    /// patterns (`BitPatternHistogram`), or nil for other modes and on CPUs with F16C and AVX2, where
    /// converting with `vcvtph2ps` and summarising with AVX2 (CKernels) measured faster (54 against 67 ms for
    /// a 512³ map on 2 cores). Each worker reads its share 256 KiB at a time
    /// with `FileBytes.copyBytes` and counts the words unconverted; the byte swap and conversion are applied
    /// once per non-empty bin at the end, so the result does not depend on the thread count.
    /// - Complexity: one pass over the data block; O(threads × 1.25 MiB: read buffer, two count tables, totals) extra memory.
    func histogramStatistics() -> VolumeStatistics? {
        guard !MRCFile.convertsHalvesInHardware else { return nil }
        return histogramStatisticsAlways()
    }

    /// True when halves are converted by F16C and blocks summarised with AVX2 (see `histogramStatistics`).
    static let convertsHalvesInHardware = emt_half_to_float_uses_f16c() != 0 && hasAVX2

    /// The histogram statistics of a float16 map whatever the CPU (nil for other modes); tests compare it
    /// with the conversion path.
    func histogramStatisticsAlways() -> VolumeStatistics? {
        let count = voxelCount
        // Only float16 gains: counting costs about one store per voxel, which measured no faster than the
        // vectorised int16/uint16 conversion (see docs/stats-performance.md), but about half the instructions of decoding halves.
        guard mode == .float16,
              let value = BitPatternHistogram.valueFunction(mode: mode, swap: header.byteOrder != .native) else { return nil }
        let readVoxels = (256 << 10) / 2, bins = BitPatternHistogram.bins
        let reads = (count + readVoxels - 1) / readVoxels
        let parts = Parallel.mapChunks(count: reads, minChunk: 1) { chunk -> [UInt64] in
            let raw = UnsafeMutableRawPointer.allocate(byteCount: readVoxels * 2, alignment: 64)
            let h = BitPatternHistogram()
            defer { raw.deallocate(); h.deallocate() }
            var totals = [UInt64](repeating: 0, count: bins)
            totals.withUnsafeMutableBufferPointer { t in
                var pending = 0
                for r in chunk {
                    let first = r * readVoxels, end = Swift.min(first + readVoxels, count)
                    storage.copyBytes(at: dataOffset + first * 2, count: (end - first) * 2, into: raw)
                    h.add(raw, count: end - first)
                    pending += end - first
                    // Each table holds at most half of `pending` plus the tails: drain long before 2³².
                    if pending >= 1 << 32 { h.drain(into: t.baseAddress!); pending = 0 }
                }
                h.drain(into: t.baseAddress!)
            }
            return totals
        }
        var totals = [UInt64](repeating: 0, count: bins)
        for p in parts { for b in 0 ..< bins { totals[b] &+= p[b] } }
        return totals.withUnsafeBufferPointer { BitPatternHistogram.statistics(totals: $0.baseAddress!, value: value) }
    }
}
