import CKernels
import Dispatch
import FoundationEssentials
import Glibc

/// Minimum, maximum, mean and RMS deviation of a set of values, as the MRC2014 header stores them
/// (DMIN, DMAX, DMEAN, RMS). RMS is the standard deviation from the mean (population form, divided by N).
public struct VolumeStatistics: Equatable, Codable {
    public var min: Float
    public var max: Float
    public var mean: Double
    public var rms: Double
    public var count: Int

    public init(min: Float, max: Float, mean: Double, rms: Double, count: Int) {
        self.min = min; self.max = max; self.mean = mean; self.rms = rms; self.count = count
    }

    /// Statistics of no values: min = +inf, max = -inf, mean and rms zero.
    public static let empty = VolumeStatistics(min: .infinity, max: -.infinity, mean: 0, rms: 0, count: 0)

    /// Combine the statistics of two disjoint sets (Chan et al.'s pairwise update of mean and variance).
    public func merged(with o: VolumeStatistics) -> VolumeStatistics {
        if count == 0 { return o }
        if o.count == 0 { return self }
        let n = Double(count + o.count)
        let delta = o.mean - mean
        let m2a = rms * rms * Double(count), m2b = o.rms * o.rms * Double(o.count)
        let m2 = m2a + m2b + delta * delta * Double(count) * Double(o.count) / n
        return VolumeStatistics(min: Swift.min(min, o.min), max: Swift.max(max, o.max),
                                mean: mean + delta * Double(o.count) / n, rms: (m2 / n).squareRoot(), count: count + o.count)
    }

    /// Statistics of a contiguous buffer in one pass, vectorised with SIMD. Sums are taken per block in
    /// Float and accumulated in Double, so a 4 GB map keeps about 1e-7 relative accuracy.
    public static func of(_ buffer: UnsafeBufferPointer<Float>) -> VolumeStatistics {
        var result = VolumeStatistics.empty
        let block = 4096
        var start = 0
        while start < buffer.count {
            let end = Swift.min(start + block, buffer.count)
            result = result.merged(with: ofBlock(UnsafeBufferPointer(rebasing: buffer[start ..< end])))
            start = end
        }
        return result
    }

    /// Statistics of a contiguous buffer, split over all cores.
    public static func parallel(_ buffer: UnsafeBufferPointer<Float>) -> VolumeStatistics {
        let parts = Parallel.mapChunks(count: buffer.count, minChunk: 1 << 18) { r in
            of(UnsafeBufferPointer(rebasing: buffer[r]))
        }
        return parts.reduce(.empty) { $0.merged(with: $1) }
    }

    /// Two-pass statistics of one small block (≤ 4096 values, so the second pass reads from L1) with two
    /// independent sets of SIMD lanes. NaNs are skipped by min and max (as `Float.minimum` does) and make the
    /// mean and RMS NaN.
    ///
    /// On CPUs with AVX2 the same two passes run 8 lanes wide in C (`emt_block_statistics`, CKernels); sums
    /// may then differ from this code's in the last bits (other lane grouping), never in min and max.
    @inline(__always)
    static func ofBlock(_ b: UnsafeBufferPointer<Float>) -> VolumeStatistics {
        let n = b.count
        guard n > 0, let base = b.baseAddress else { return .empty }
        if hasAVX2 {
            var mn: Float = 0, mx: Float = 0, mean = 0.0, m2 = 0.0
            if emt_block_statistics(base, n, &mn, &mx, &mean, &m2) != 0 {
                return VolumeStatistics(min: mn, max: mx, mean: mean, rms: (m2 / Double(n)).squareRoot(), count: n)
            }
        }
        return ofBlockSIMD(base, count: n)
    }

    /// `ofBlock` in Swift SIMD (8 lanes as two 4-wide halves on baseline x86-64), for CPUs without AVX2.
    @inline(__always)
    static func ofBlockSIMD(_ base: UnsafePointer<Float>, count n: Int) -> VolumeStatistics {
        var min0 = SIMD8<Float>(repeating: .infinity), min1 = min0
        var max0 = SIMD8<Float>(repeating: -.infinity), max1 = max0
        var sum0 = SIMD8<Float>(repeating: 0), sum1 = sum0
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let w = raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            min0 = min0.lanewiseMin(v); max0 = max0.lanewiseMax(v); sum0 += v
            min1 = min1.lanewiseMin(w); max1 = max1.lanewiseMax(w); sum1 += w
            i += 16
        }
        if i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            min0 = min0.lanewiseMin(v); max0 = max0.lanewiseMax(v); sum0 += v
            i += 8
        }
        var mn = min0.lanewiseMin(min1).min(), mx = max0.lanewiseMax(max1).max()
        var sum = Double((sum0 + sum1).sum())
        while i < n { let v = base[i]; mn = Swift.min(mn, v); mx = Swift.max(mx, v); sum += Double(v); i += 1 }
        let mean = sum / Double(n)
        let vm = SIMD8<Float>(repeating: Float(mean))
        var sq0 = SIMD8<Float>(repeating: 0), sq1 = sq0
        i = 0
        while i + 16 <= n {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - vm
            let e = raw.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self) - vm
            sq0 += d * d; sq1 += e * e
            i += 16
        }
        if i + 8 <= n {
            let d = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - vm
            sq0 += d * d
            i += 8
        }
        var sq = Double((sq0 + sq1).sum())
        while i < n { let d = Double(base[i]) - mean; sq += d * d; i += 1 }
        return VolumeStatistics(min: mn, max: mx, mean: mean, rms: (sq / Double(n)).squareRoot(), count: n)
    }
}

/// Whether `emt_block_statistics` runs (the CPU has AVX2), asked once per process.
let hasAVX2 = emt_has_avx2() != 0

extension SIMD8 where Scalar == Float {
    /// Lane-wise minimum that keeps `self` where `other` is NaN. Unlike the generic `pointwiseMin`, which the
    /// compiler leaves as a call with a scalar loop, this is one compare and one blend per vector.
    @inline(__always) func lanewiseMin(_ other: Self) -> Self { replacing(with: other, where: other .< self) }
    /// Lane-wise maximum that keeps `self` where `other` is NaN (see `lanewiseMin`).
    @inline(__always) func lanewiseMax(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}

extension Volume {
    /// Minimum, maximum, mean and RMS of all voxels, in one parallel pass.
    public func statistics() -> VolumeStatistics {
        data.withUnsafeBufferPointer { VolumeStatistics.parallel($0) }
    }
}
