@testable import EMCore
import Foundation
import Testing
import TestSupport

/// The bit-pattern histogram statistics of 16-bit modes (1, 6, 12) against a plain Double reference of the
/// decoded values: random data, all-equal runs, extremes, -0.0, NaN and infinity patterns of float16, odd
/// tails, both byte orders, and the whole `MRCFile.statistics` path across read-buffer and thread chunks
/// (taken by float16; int16/uint16 files are checked there too, through the converting path).
@Suite struct BitPatternHistogramTests {
    static let modes: [MRCMode] = [.int16, .uint16, .float16]

    /// The decoded value of stored word `w` (in memory order) for `mode`, the obvious way.
    func decode(_ w: UInt16, _ mode: MRCMode, swap: Bool) -> Float {
        let b = swap ? w.byteSwapped : w
        switch mode {
        case .int16: return Float(Int16(bitPattern: b))
        case .uint16: return Float(b)
        default: return Float(Float16(bitPattern: b))
        }
    }

    /// Histogram statistics of `words` must equal the Double reference (min and max exactly, mean and RMS to
    /// Double rounding); NaN skipped by min/max and poisoning mean and RMS; infinities poisoning RMS.
    func check(_ words: [UInt16], _ mode: MRCMode, swap: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let s = words.withUnsafeBytes { BitPatternHistogram.statistics($0.baseAddress!, count: words.count, mode: mode, swap: swap)! }
        let values = words.map { decode($0, mode, swap: swap) }
        let label = "mode \(mode.rawValue) swap \(swap) n \(words.count)"
        #expect(s.count == words.count, "\(label)", sourceLocation: sourceLocation)
        let finite = values.filter { !$0.isNaN }
        #expect(s.min == (finite.min() ?? .infinity) && s.max == (finite.max() ?? -.infinity), "\(label)", sourceLocation: sourceLocation)
        if finite.count < values.count {
            #expect(s.mean.isNaN && s.rms.isNaN, "\(label)", sourceLocation: sourceLocation)
        } else if finite.contains(where: \.isInfinite) {
            let hasPlus = finite.contains(.infinity), hasMinus = finite.contains(-.infinity)
            #expect(hasPlus && hasMinus ? s.mean.isNaN : s.mean == (hasPlus ? .infinity : -.infinity), "\(label)", sourceLocation: sourceLocation)
            #expect(s.rms.isNaN, "\(label)", sourceLocation: sourceLocation)
        } else {
            let ref = referenceStatistics(values)
            let scale = Double(max(abs(ref.min), abs(ref.max), 1))
            #expect(abs(s.mean - ref.mean) <= 1e-12 * scale, "\(label): \(s.mean) vs \(ref.mean)", sourceLocation: sourceLocation)
            #expect(abs(s.rms - ref.rms) <= 1e-12 * scale, "\(label): \(s.rms) vs \(ref.rms)", sourceLocation: sourceLocation)
        }
    }

    func randomWords(_ n: Int, seed: UInt64, finiteHalf: Bool) -> [UInt16] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< n).map { _ in
            var w = UInt16(truncatingIfNeeded: rng.next())
            if finiteHalf { while w & 0x7c00 == 0x7c00 { w = UInt16(truncatingIfNeeded: rng.next()) } }
            return w
        }
    }

    @Test func randomDataOfEveryTailLengthMatchesTheReference() {
        for mode in Self.modes {
            for swap in [false, true] {
                for n in Array(1 ... 9) + [4095, 4096, 4097, 65_537, 131_073] {
                    // float16: keep the random words finite here (NaN/Inf have their own test); in swapped files
                    // the stored word is the byte-swapped pattern.
                    var w = randomWords(n, seed: UInt64(n) &* 31 &+ UInt64(mode.rawValue), finiteHalf: mode == .float16)
                    if swap { w = w.map { $0.byteSwapped } }
                    check(w, mode, swap: swap)
                }
            }
        }
    }

    @Test func allEqualValuesAndExtremes() {
        for mode in Self.modes {
            for pattern: UInt16 in [0, 1, 0x7fff, 0x8000, 0xffff, 0x7bff, 0xfbff, 0x8001, 0x0001] {
                for n in [1, 3, 4, 5, 10_001] { check([UInt16](repeating: pattern, count: n), mode, swap: false) }
            }
            // The two extremes of every interpretation together, with the rest at zero.
            var w = [UInt16](repeating: 0, count: 1_003)
            w[0] = 0x8000; w[500] = 0x7fff; w[1_001] = 0xffff; w[1_002] = 0x7bff
            check(w, mode, swap: false)
            check(w, mode, swap: true)
        }
    }

    @Test func float16SignedZeroSubnormalsNaNAndInfinity() {
        let negZero: UInt16 = 0x8000, posZero: UInt16 = 0, subnormal: UInt16 = 0x0001, negSubnormal: UInt16 = 0x8001
        let inf: UInt16 = 0x7c00, negInf: UInt16 = 0xfc00, nan: UInt16 = 0x7e00, negNaN: UInt16 = 0xfd01
        let base: [UInt16] = [negZero, posZero, subnormal, negSubnormal, 0x3c00, 0xc100]
        check(base, .float16, swap: false)
        check([negZero, negZero, negZero], .float16, swap: false)
        #expect(base.withUnsafeBytes { BitPatternHistogram.statistics($0.baseAddress!, count: 2, mode: .float16, swap: false)! }.min == 0)
        for extra in [[nan], [negNaN, 0x7c01], [inf], [negInf], [inf, negInf], [inf, nan]] {
            check(base + extra, .float16, swap: false)
            check((base + extra).map { $0.byteSwapped }, .float16, swap: true)
        }
        // Only NaN: no finite values, so min/max stay at their empty values, mean and RMS NaN.
        let onlyNaN = BitPatternHistogram.statistics([nan, nan, negNaN].withUnsafeBytes { $0.baseAddress! }, count: 3, mode: .float16, swap: false)!
        #expect(onlyNaN.min == .infinity && onlyNaN.max == -.infinity && onlyNaN.mean.isNaN && onlyNaN.count == 3)
    }

    @Test func nonSixteenBitModesAreNotHandled() {
        let w: [UInt16] = [1, 2]
        for mode in [MRCMode.float32, .int8, .complexInt16] {
            #expect(w.withUnsafeBytes { BitPatternHistogram.statistics($0.baseAddress!, count: 2, mode: mode, swap: false) } == nil)
        }
    }

    @Test func fileStatisticsAcrossReadBuffersAndThreadChunksMatchTheReference() throws {
        // 96 × 96 × 40 = 368,640 voxels: spans several 128 Ki-voxel reads, with a partial last one, in both
        // byte orders; runs of equal values and the float16 extremes included.
        let dir = TestEnv.temporaryDirectory("bit-histogram")
        defer { TestEnv.removeTemporary(dir) }
        for mode in Self.modes {
            for order in [ByteOrder.little, .big] {
                var raw = RawMRC(nx: 96, ny: 96, nz: 40, mode: mode, order: order)
                var rng = SplitMix64(seed: UInt64(mode.rawValue) + (order == .big ? 100 : 0))
                var values: [Float] = []
                for i in 0 ..< 96 * 96 * 40 {
                    var w = i % 1000 < 300 ? UInt16(7) : UInt16(truncatingIfNeeded: rng.next())
                    if mode == .float16 { while w & 0x7c00 == 0x7c00 { w = UInt16(truncatingIfNeeded: rng.next()) } }
                    if i == 131_072 { w = mode == .float16 ? 0xfbff : 0x8000 }
                    if i == 368_639 { w = mode == .float16 ? 0x7bff : 0x7fff }
                    raw.append(w)
                    values.append(decode(w, mode, swap: false))
                }
                let path = dir + "/m\(mode.rawValue)\(order).mrc"
                try raw.write(to: path)
                let file = try MRCFile.open(path)
                let s = try file.statistics()
                let ref = referenceStatistics(values)
                // The converting path sums in Float within 4096-value blocks (float16 takes it too on CPUs with
                // F16C and AVX2); the histogram path is exact to Double rounding.
                let scale = Double(max(abs(ref.min), abs(ref.max), 1))
                #expect(s.min == ref.min && s.max == ref.max && s.count == values.count, "mode \(mode.rawValue) \(order)")
                #expect(abs(s.mean - ref.mean) <= 1e-5 * scale && abs(s.rms - ref.rms) <= 1e-5 * scale, "mode \(mode.rawValue) \(order): \(s) vs \(ref)")
                if mode == .float16, let h = file.histogramStatisticsAlways() {
                    #expect(h.min == ref.min && h.max == ref.max && h.count == values.count)
                    #expect(abs(h.mean - ref.mean) <= 1e-12 * scale && abs(h.rms - ref.rms) <= 1e-12 * scale, "histogram \(order): \(h) vs \(ref)")
                }
            }
        }
    }
}
