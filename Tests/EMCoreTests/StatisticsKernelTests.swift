@testable import EMCore
import Foundation
import Testing

/// The SIMD statistics kernel against a plain Double reference: every tail length around the vector widths,
/// block boundaries, the parallel split, and NaN handling (skipped by min/max, poisoning mean and RMS).
@Suite struct StatisticsKernelTests {
    func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0 ..< n).map { _ in Float(Double(rng.next() >> 11) / Double(1 << 53) * 200 - 70) }
    }

    func expectClose(_ s: VolumeStatistics, _ v: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        let ref = referenceStatistics(v)
        #expect(s.min == ref.min && s.max == ref.max, "n = \(v.count)", sourceLocation: sourceLocation)
        #expect(abs(s.mean - ref.mean) <= 1e-5 * 130, "n = \(v.count)", sourceLocation: sourceLocation)
        #expect(abs(s.rms - ref.rms) <= 1e-5 * 130, "n = \(v.count)", sourceLocation: sourceLocation)
        #expect(s.count == v.count, sourceLocation: sourceLocation)
    }

    @Test func everyTailLengthAndBlockBoundaryMatchesTheReference() {
        for n in Array(1 ... 40) + [4095, 4096, 4097, 8191, 8192 + 17, 100_003] {
            let v = values(n, seed: UInt64(n))
            v.withUnsafeBufferPointer { expectClose(VolumeStatistics.of($0), v) }
        }
    }

    @Test func extremesInEveryLanePositionAreFound() {
        // The minimum and maximum placed at each position of a 37-value buffer (both accumulator sets and the tail).
        for k in 0 ..< 37 {
            var v = [Float](repeating: 1, count: 37)
            v[k] = -5
            v[(k + 11) % 37] = 9
            let s = v.withUnsafeBufferPointer { VolumeStatistics.of($0) }
            #expect(s.min == -5 && s.max == 9, "k = \(k)")
        }
    }

    @Test func parallelSplitGivesTheSameNumbersAsOnePass() {
        let v = values(1_000_003, seed: 9)
        let serial = v.withUnsafeBufferPointer { VolumeStatistics.of($0) }
        let parallel = v.withUnsafeBufferPointer { VolumeStatistics.parallel($0) }
        expectClose(parallel, v)
        #expect(serial.min == parallel.min && serial.max == parallel.max)
        // Other chunk boundaries give other Float block sums: agreement to single-precision rounding of a
        // block sum (observed 1.5e-7 with the AVX2 kernel), well inside the bound.
        #expect(abs(serial.mean - parallel.mean) <= 1e-8 * 130)
    }

    @Test func nanIsSkippedByMinAndMaxAndPoisonsMeanAndRMS() {
        for position in [0, 5, 8, 15, 16, 30] {
            var v = values(33, seed: 4)
            v[position] = .nan
            let finite = v.enumerated().filter { $0.offset != position }.map(\.element)
            let s = v.withUnsafeBufferPointer { VolumeStatistics.of($0) }
            #expect(s.min == finite.min()! && s.max == finite.max()!, "NaN at \(position)")
            #expect(s.mean.isNaN && s.rms.isNaN, "NaN at \(position)")
        }
    }

    @Test func emptyBufferGivesEmptyStatistics() {
        let s = [Float]().withUnsafeBufferPointer { VolumeStatistics.of($0) }
        #expect(s == .empty)
    }
}
