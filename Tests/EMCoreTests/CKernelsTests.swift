import CKernels
@testable import EMCore
import Foundation
import Testing
import TestSupport

/// The C kernels (F16C/AVX2 picked at run time) against the Swift reference code they replace.
@Suite struct CKernelsTests {
    /// Every one of the 65,536 half-precision patterns, both byte orders, from an odd (unaligned) address:
    /// the same Float as the bit arithmetic of `MRCDecoding.halfToFloat` (NaN stays NaN with its sign).
    @Test(arguments: [false, true])
    func everyHalfConvertsExactly(swap: Bool) {
        let patterns = (0 ... 0xffff).map { UInt16($0) }
        var raw = [UInt8](repeating: 0, count: 2 * patterns.count + 1)
        for (i, p) in patterns.enumerated() {
            let stored = swap ? p.byteSwapped : p
            raw[1 + 2 * i] = UInt8(stored & 0xff); raw[2 + 2 * i] = UInt8(stored >> 8)
        }
        var out = [Float](repeating: 0, count: patterns.count)
        raw.withUnsafeBytes { r in out.withUnsafeMutableBufferPointer { emt_half_to_float(r.baseAddress! + 1, $0.baseAddress!, patterns.count, swap ? 1 : 0) } }
        var wrong = 0
        for (i, p) in patterns.enumerated() {
            let want = MRCDecoding.halfToFloat(p), got = out[i]
            if want.isNaN ? !(got.isNaN && got.sign == want.sign) : got.bitPattern != want.bitPattern { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    /// Every Int16 value, both byte orders: exactly `Float(value)`.
    @Test(arguments: [false, true])
    func everyInt16ConvertsExactly(swap: Bool) {
        let values = (Int(Int16.min) ... Int(Int16.max)).map { Int16($0) }
        let stored = values.map { swap ? UInt16(bitPattern: $0).byteSwapped : UInt16(bitPattern: $0) }
        var out = [Float](repeating: 0, count: values.count)
        stored.withUnsafeBytes { r in out.withUnsafeMutableBufferPointer { emt_int16_to_float(r.baseAddress!, $0.baseAddress!, values.count, swap ? 1 : 0) } }
        #expect(zip(values, out).allSatisfy { Float($0) == $1 })
    }

    /// Block statistics in C agree with the Swift SIMD code: min and max exactly (NaN skipped), mean and RMS to
    /// single-precision rounding; NaN makes both NaN; an all-NaN block has min +inf and max -inf.
    @Test func blockStatisticsMatchTheSwiftCode() throws {
        try #require(emt_has_avx2() != 0, "this CPU has no AVX2: the C kernel is not used here")
        var g = SplitMix64(seed: 21)
        for n in [1, 7, 15, 16, 17, 100, 4095, 4096] {
            var x = (0 ..< n).map { _ in Float(g.nextGaussian() * 3 + 1) }
            for variant in 0 ..< 3 {
                if variant == 1 { x[n / 2] = .infinity }
                if variant == 2 { x[n - 1] = .nan }
                let s = x.withUnsafeBufferPointer { VolumeStatistics.ofBlockSIMD($0.baseAddress!, count: n) }
                var mn: Float = 0, mx: Float = 0, mean = 0.0, m2 = 0.0
                #expect(x.withUnsafeBufferPointer { emt_block_statistics($0.baseAddress!, n, &mn, &mx, &mean, &m2) } == 1)
                #expect(mn == s.min && mx == s.max, "n \(n) variant \(variant)")
                let rms = (m2 / Double(n)).squareRoot()
                if s.mean.isNaN { #expect(mean.isNaN && rms.isNaN) } else if s.mean.isInfinite { #expect(mean == s.mean) } else {
                    #expect(abs(mean - s.mean) <= 1e-6 * max(1, abs(s.mean)), "n \(n): mean \(mean) vs \(s.mean)")
                    #expect(abs(rms - s.rms) <= 1e-6 * max(1, s.rms), "n \(n): rms \(rms) vs \(s.rms)")
                }
            }
        }
        var mn: Float = 0, mx: Float = 0, mean = 0.0, m2 = 0.0
        let nans = [Float](repeating: .nan, count: 40)
        _ = nans.withUnsafeBufferPointer { emt_block_statistics($0.baseAddress!, 40, &mn, &mx, &mean, &m2) }
        #expect(mn == .infinity && mx == -.infinity && mean.isNaN)
    }

    /// A float16 map: the conversion path (F16C + AVX2 here) and the bit-pattern histogram give the same
    /// statistics (min and max exactly, mean and RMS to 1e-6).
    @Test func float16MapStatisticsAgreeWithTheHistogram() throws {
        let dir = TestEnv.temporaryDirectory("half")
        defer { TestEnv.removeTemporary(dir) }
        var g = SplitMix64(seed: 5)
        let size = GridSize(70, 64, 33)
        let v = Volume(size: size, voxelSize: VoxelSize(isotropic: 1.5), data: (0 ..< size.count).map { _ in Float(g.nextGaussian()) })
        let path = dir + "/m.mrc"
        var options = MRCWriteOptions()
        options.mode = .float16
        _ = try MRCWriter.write(v, to: path, options: options)
        let f = try MRCFile.open(path)
        let a = try f.statistics(), b = try #require(f.histogramStatisticsAlways())
        #expect(a.min == b.min && a.max == b.max && a.count == b.count)
        let meanError = abs(a.mean - b.mean), rmsError = abs(a.rms - b.rms)
        #expect(meanError < 1e-6)
        #expect(rmsError < 1e-6 * b.rms)
    }

    /// The exact int16 moments equal Σx and Σx² counted in Int64 by hand, for every length around the SIMD
    /// step, extremes included, in both byte orders.
    @Test(arguments: [false, true])
    func int16MomentsAreExact(swap: Bool) {
        var g = SplitMix64(seed: 17)
        for n in [0, 1, 15, 16, 31, 32, 33, 100, 1_000, 70_001] {
            var values = (0 ..< n).map { _ in Int16(truncatingIfNeeded: g.next()) }
            if n > 3 { values[0] = .min; values[1] = .max; values[2] = .min }
            let bytes = values.flatMap { v -> [UInt8] in
                let u = UInt16(bitPattern: v)
                let (lo, hi) = (UInt8(u & 0xFF), UInt8(u >> 8))
                return swap ? [hi, lo] : [lo, hi]
            }
            var m = emt_int16_moments(min: Int32.max, max: Int32.min, sum: 0, sum_squares: 0)
            bytes.withUnsafeBytes { emt_int16_moments($0.baseAddress, n, swap ? 1 : 0, &m) }
            #expect(m.sum == values.reduce(Int64(0)) { $0 + Int64($1) }, "n \(n)")
            #expect(m.sum_squares == values.reduce(UInt64(0)) { $0 + UInt64(Int64($1) * Int64($1)) }, "n \(n)")
            if n > 0 {
                #expect(m.min == Int32(values.min()!) && m.max == Int32(values.max()!), "n \(n)")
            }
        }
    }

    /// An int16 map's statistics (exact integer path) agree with float64 sums over the values, whatever the
    /// thread count.
    @Test func int16MapStatisticsAreExact() throws {
        let dir = TestEnv.temporaryDirectory("int16stats")
        defer { TestEnv.removeTemporary(dir) }
        var g = SplitMix64(seed: 8)
        let size = GridSize(90, 70, 41)
        let v = Volume(size: size, voxelSize: VoxelSize(isotropic: 1), data: (0 ..< size.count).map { _ in Float(Int(g.next() % 60_000) - 30_000) })
        let path = dir + "/m.mrc"
        var options = MRCWriteOptions()
        options.mode = .int16
        _ = try MRCWriter.write(v, to: path, options: options)
        let s = try MRCFile.open(path).statistics()
        let x = v.data.map(Double.init)
        let mean = x.reduce(0, +) / Double(x.count)
        let rms = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)).squareRoot()
        #expect(s.min == v.data.min()! && s.max == v.data.max()! && s.count == size.count)
        #expect(abs(s.mean - mean) < 1e-9 * abs(mean) + 1e-9)
        #expect(abs(s.rms - rms) < 1e-9 * rms)
    }
}
