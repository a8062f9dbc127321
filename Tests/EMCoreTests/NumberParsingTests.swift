@testable import EMCore
import Foundation
import Testing

/// `NumberParsing` against C's strtod on the shapes its fast paths take and the ones they must refuse.
@Suite struct NumberParsingTests {
    /// strtod over the whole string, nil unless it reads all of it and does not start with white space (the
    /// contract of `NumberParsing.double`).
    func reference(_ s: String) -> Double? {
        guard let first = s.utf8.first, first != 0x20, first != 0x09, first != 0x0a else { return nil }
        return s.withCString { c -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(c, &end)
            return end! - UnsafeMutablePointer(mutating: c) == s.utf8.count ? v : nil
        }
    }

    func expectSame(_ s: String) {
        let ours = Array(s.utf8).withUnsafeBufferPointer { NumberParsing.double($0) }
        let ref = reference(s)
        if let r = ref, r.isNaN { #expect(ours?.isNaN == true, "\(s)") } else {
            #expect(ours == ref && ours?.sign == ref?.sign, "\(s): \(String(describing: ours)) vs \(String(describing: ref))")
        }
    }

    @Test func edgeCasesAroundTheEightByteReader() {
        let cases = ["0.000000", "-0.000000", "+0.000000", "1234567.", "12345678", "1234567.1", "1234567.12345678",
                     "1234567.123456789", ".1234567", "-.1234567", "-1.000000", "9999999.99999999", "0000000.00000001",
                     "12.3456789", "1.2345678e", "1.234567e5", "1.23456E+05", "1.2345-67", "12345.6x8", "1234.5 67",
                     "1234.56\t8", "123456.7.", "..123456", "-1234567", "+1234567", "12345678.5", "0.0000000000000000001",
                     "4503599627370497.0", "9007199254740993", "9007199254740993.0", "-9007199254740993.00",
                     "inf", "-infinity", "nan", "NaN(123)", "0x1.8p3", " 1.500000", "1.500000 ", "1.5e-400", "2.5e+308"]
        for s in cases { expectSame(s) }
    }

    @Test func randomDecimalsMatchStrtod() {
        var g = SplitMix64(seed: 5)
        let alphabet = Array("0123456789") + [".", "-", "+", "e", "E", "x", " "]
        for round in 0 ..< 60_000 {
            var s = ""
            if round % 3 == 0 {
                // Arbitrary short strings over digits and the characters that end or change a number.
                for _ in 0 ..< Int(g.next() % 22) { s.append(alphabet[Int(g.next() % UInt64(alphabet.count))]) }
            } else {
                // Decimals as RELION and other tools write them: a sign, 0–18 integer digits, 0–18 decimals.
                if g.next() % 4 == 0 { s += g.next() % 2 == 0 ? "-" : "+" }
                for _ in 0 ..< Int(g.next() % 19) { s.append(alphabet[Int(g.next() % 10)]) }
                if g.next() % 8 != 0 { s += "." }
                for _ in 0 ..< Int(g.next() % 19) { s.append(alphabet[Int(g.next() % 10)]) }
                if g.next() % 10 == 0 { s += "e\(Int(g.next() % 60) - 30)" }
            }
            expectSame(s)
        }
    }

    @Test func integersMatchSwift() {
        for s in ["0", "-0", "+7", "007", "-", "+", "", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                  "1.0", "1e3", " 1", "12a"] {
            let ours = Array(s.utf8).withUnsafeBufferPointer { NumberParsing.int($0) }
            #expect(ours == Int(s) || (s == "-9223372036854775808" && ours == nil), "\(s)")
        }
    }
}
