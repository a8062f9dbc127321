@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Reading every MRC2014 mode in both byte orders from files built byte by byte, with the values each
/// convention defines (mode 0 signed, complex → amplitude, mode 101 low nibble first with padded rows).
@Suite struct MRCModeReadingTests {
    static let orders: [ByteOrder] = [.little, .big]

    /// Write `raw`, read it back as Float32 and check values and statistics against `expected`.
    func check(_ raw: RawMRC, _ expected: [Float], options: MRCReadOptions = .init(), sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = TestEnv.temporaryDirectory("mrc-mode")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/m.mrc"
        try raw.write(to: path)
        let f = try MRCFile.open(path, options: options)
        #expect(f.header.byteOrder == raw.header.byteOrder, sourceLocation: sourceLocation)
        let (v, s) = try f.readVolumeAndStatistics()
        #expect(v.data == expected, "mode \(raw.header.modeValue) \(raw.header.byteOrder)", sourceLocation: sourceLocation)
        let ref = referenceStatistics(expected)
        let streamed = try f.statistics()
        // Sums run in Float within 4096-value blocks: allow float32 rounding relative to the largest magnitude.
        let scale = Double(max(abs(ref.min), abs(ref.max), 1))
        for stats in [s, streamed] {
            #expect(stats.min == ref.min && stats.max == ref.max, sourceLocation: sourceLocation)
            #expect(abs(stats.mean - ref.mean) <= 1e-6 * scale, sourceLocation: sourceLocation)
            #expect(abs(stats.rms - ref.rms) <= 1e-5 * scale, sourceLocation: sourceLocation)
            #expect(stats.count == expected.count, sourceLocation: sourceLocation)
        }
    }

    @Test func mode0IsSignedUnlessAskedOtherwise() throws {
        for order in Self.orders {
            var raw = RawMRC(nx: 4, ny: 2, nz: 1, mode: .int8, order: order)
            let bytes: [UInt8] = [0, 1, 127, 128, 255, 200, 5, 64]
            raw.data = Data(bytes)
            try check(raw, bytes.map { Float(Int8(bitPattern: $0)) })
            try check(raw, bytes.map { Float($0) }, options: MRCReadOptions(unsignedMode0: true))
        }
    }

    @Test func integerModes1And6() throws {
        for order in Self.orders {
            var a = RawMRC(nx: 3, ny: 2, nz: 2, mode: .int16, order: order)
            let signed: [Int16] = [0, 1, -1, 32767, -32768, 1234, -999, 7, 8, 9, -10, 300]
            for v in signed { a.append(v) }
            try check(a, signed.map(Float.init))
            var b = RawMRC(nx: 3, ny: 2, nz: 2, mode: .uint16, order: order)
            let unsigned: [UInt16] = [0, 1, 65535, 32768, 256, 1, 2, 3, 40000, 5, 6, 65534]
            for v in unsigned { b.append(v) }
            try check(b, unsigned.map(Float.init))
        }
    }

    @Test func float32WithOddExtendedHeaderIsReadUnaligned() throws {
        for order in Self.orders {
            var raw = RawMRC(nx: 9, ny: 3, nz: 1, mode: .float32, order: order)
            raw.extended = Data([1, 2, 3])       // data block starts at byte 1027
            let values = (0 ..< 27).map { Float($0) * 0.37 - 4 }
            for v in values { raw.append(v) }
            try check(raw, values)
        }
    }

    @Test func complexModesGiveTheAmplitude() throws {
        for order in Self.orders {
            var a = RawMRC(nx: 2, ny: 2, nz: 1, mode: .complexInt16, order: order)
            let pairs: [(Int16, Int16)] = [(3, 4), (-5, 12), (0, -7), (-8, -6)]
            for (re, im) in pairs { a.append(re); a.append(im) }
            try check(a, [5, 13, 7, 10])
            var b = RawMRC(nx: 3, ny: 1, nz: 1, mode: .complexFloat32, order: order)
            let fp: [(Float, Float)] = [(0.6, 0.8), (-1.5, 2), (0, 0)]
            for (re, im) in fp { b.append(re); b.append(im) }
            try check(b, fp.map { ($0.0 * $0.0 + $0.1 * $0.1).squareRoot() })
        }
    }

    @Test func mode12HalfFloatsIncludingSubnormalsAndInfinities() throws {
        for order in Self.orders {
            let halves: [Float16] = [0, -0, 1, -2.5, 65504, -65504, 0.000061035156, 5.96e-8, -5.96e-8, 1.0009766, 3.140625,
                                     100, -0.333, 0.1, 2048, 7]
            var raw = RawMRC(nx: 8, ny: 2, nz: 1, mode: .float16, order: order)
            for h in halves { raw.append(h.bitPattern) }
            try check(raw, halves.map(Float.init))
        }
    }

    @Test func halfToFloatKernelMatchesTheStandardConversionForAllBitPatterns() {
        let all = (0 ... UInt16.max).map { $0 }
        var out = [Float](repeating: 0, count: all.count)
        for swap in [false, true] {
            let input = swap ? all.map { $0.byteSwapped } : all
            input.withUnsafeBytes { raw in
                out.withUnsafeMutableBufferPointer { MRCDecoding.float16ToFloat(raw.baseAddress!, swap: swap, 0 ..< all.count, into: $0.baseAddress!) }
            }
            var mismatches = 0
            for bits in all {
                let want = Float(Float16(bitPattern: bits)), got = out[Int(bits)]
                if want.isNaN ? !got.isNaN : want.bitPattern != got.bitPattern { mismatches += 1 }
            }
            #expect(mismatches == 0, "swap \(swap)")
        }
    }

    @Test func mode101PacksLowNibbleFirstWithRowsPaddedToWholeBytes() throws {
        // 3 × 2 × 2: each row of 3 values takes 2 bytes, the high nibble of the second byte unused.
        var raw = RawMRC(nx: 3, ny: 2, nz: 2, mode: .packed4Bit)
        raw.data = Data([0x21, 0xF3, 0x54, 0x06, 0x87, 0x09, 0xBA, 0x0C])
        try check(raw, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(MRCMode.packed4Bit.dataSize(nx: 3, ny: 2, nz: 2) == 8)
        // Bytes are not byte-swapped: the big-endian file reads the same.
        raw.header.byteOrder = .big
        try check(raw, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    }

    @Test func statisticsAreTheSameOnEveryThreadCountPath() throws {
        // Large enough to be split over several chunks and blocks, in a mode that takes the converting path.
        var raw = RawMRC(nx: 300, ny: 300, nz: 3, mode: .int16, order: .big)
        var values: [Float] = []
        for i in 0 ..< 270_000 { let v = Int16(truncatingIfNeeded: (i &* 7919) % 20011 - 10005); raw.append(v); values.append(Float(v)) }
        try check(raw, values)
    }
}
