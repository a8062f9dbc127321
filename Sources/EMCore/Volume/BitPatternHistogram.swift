import Dispatch
import FoundationEssentials
import Glibc

/// Counts of each of the 65,536 bit patterns of 16-bit voxels (MRC modes 1, 6 and 12), from which min, max,
/// mean and RMS follow exactly without converting a single voxel: one table increment per voxel, then one
/// pass over the non-empty bins in Double.
///
/// Counting goes into two interleaved UInt32 tables (neighbouring voxels into different tables) so that runs of equal
/// voxels, common in integer maps, do not serialise on one counter through store-to-load forwarding;
/// `drain` folds them into UInt64 totals. Call `drain` before any table could pass 2³² counts.
struct BitPatternHistogram {
    /// Number of bins: one per 16-bit pattern.
    static let bins = 1 << 16
    /// Number of interleaved tables: two (512 KiB) fit in a core's L2 cache with room for the read buffer.
    static let ways = 2
    /// `ways` tables of `bins` counters, back to back.
    let tables: UnsafeMutablePointer<UInt32>

    /// `ways` zeroed tables (512 KiB); release them with `deallocate`.
    init() {
        tables = .allocate(capacity: Self.ways * Self.bins)
        tables.initialize(repeating: 0, count: Self.ways * Self.bins)
    }

    func deallocate() { tables.deallocate() }

    /// Count `count` 16-bit words stored at `src` (any alignment) as they are in memory, unswapped.
    func add(_ src: UnsafeRawPointer, count: Int) {
        let t0 = tables, t1 = tables + Self.bins
        var i = 0
        // One 64-bit load holds four whole words; each 16-bit lane is one native word whatever the host's
        // byte order, and which table a word goes to does not matter.
        while i + 4 <= count {
            let w = src.loadUnaligned(fromByteOffset: 2 * i, as: UInt64.self)
            t0[Int(truncatingIfNeeded: w & 0xffff)] &+= 1
            t1[Int(truncatingIfNeeded: (w >> 16) & 0xffff)] &+= 1
            t0[Int(truncatingIfNeeded: (w >> 32) & 0xffff)] &+= 1
            t1[Int(truncatingIfNeeded: w >> 48)] &+= 1
            i += 4
        }
        while i < count {
            t0[Int(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))] &+= 1
            i += 1
        }
    }

    /// Add the tables into `totals` (`bins` UInt64 counters) and zero them.
    func drain(into totals: UnsafeMutablePointer<UInt64>) {
        for k in 0 ..< Self.ways {
            let t = tables + k * Self.bins
            for b in 0 ..< Self.bins { totals[b] &+= UInt64(t[b]) }
            t.update(repeating: 0, count: Self.bins)
        }
    }

    /// Statistics of the voxels counted in `totals` (`bins` UInt64 counters, indexed by the stored bit
    /// pattern), where `value` gives the voxel value of a stored pattern (byte swap included). Same
    /// conventions as `VolumeStatistics.ofBlock`: NaN is skipped by min and max and makes mean and RMS NaN;
    /// an infinity makes the mean ±infinity (NaN when both signs occur) and the RMS NaN. The sums run in
    /// Double over the bins, so the mean and RMS are exact to Double rounding.
    static func statistics(totals: UnsafePointer<UInt64>, value: (UInt16) -> Float) -> VolumeStatistics {
        var mn = Float.infinity, mx = -Float.infinity
        var n: UInt64 = 0, sum = 0.0, hasNaN = false
        for b in 0 ..< bins where totals[b] != 0 {
            let c = totals[b], v = value(UInt16(b))
            n += c
            if v.isNaN { hasNaN = true; continue }
            mn = Swift.min(mn, v); mx = Swift.max(mx, v)
            sum += Double(c) * Double(v)
        }
        guard n > 0 else { return .empty }
        let count = Double(n)
        if hasNaN { return VolumeStatistics(min: mn, max: mx, mean: .nan, rms: .nan, count: Int(n)) }
        let mean = sum / count
        var sq = 0.0
        for b in 0 ..< bins where totals[b] != 0 {
            let d = Double(value(UInt16(b))) - mean
            sq += Double(totals[b]) * d * d
        }
        return VolumeStatistics(min: mn, max: mx, mean: mean, rms: (sq / count).squareRoot(), count: Int(n))
    }

    /// The voxel value of stored pattern `bits` in a 16-bit `mode` (nil for other modes); `swap` when the
    /// file's byte order differs from the machine's.
    static func valueFunction(mode: MRCMode, swap: Bool) -> ((UInt16) -> Float)? {
        switch mode {
        case .int16: return { Float(Int16(bitPattern: swap ? $0.byteSwapped : $0)) }
        case .uint16: return { Float(swap ? $0.byteSwapped : $0) }
        case .float16: return { MRCDecoding.halfToFloat(swap ? $0.byteSwapped : $0) }
        default: return nil
        }
    }

    /// Statistics of `count` 16-bit voxels at `src` in one serial pass (the kernel `MRCFile.statistics` runs
    /// per thread), or nil when `mode` is not a 16-bit mode.
    static func statistics(_ src: UnsafeRawPointer, count: Int, mode: MRCMode, swap: Bool) -> VolumeStatistics? {
        guard let value = valueFunction(mode: mode, swap: swap) else { return nil }
        let h = BitPatternHistogram()
        let totals = UnsafeMutablePointer<UInt64>.allocate(capacity: bins)
        totals.initialize(repeating: 0, count: bins)
        defer { h.deallocate(); totals.deallocate() }
        // Drain well before any table (half of the voxels) can reach 2³².
        let step = 1 << 32
        var lo = 0
        while lo < count {
            let n = Swift.min(step, count - lo)
            h.add(src + 2 * lo, count: n)
            h.drain(into: totals)
            lo += n
        }
        return statistics(totals: totals, value: value)
    }
}
