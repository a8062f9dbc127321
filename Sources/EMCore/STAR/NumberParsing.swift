import Foundation

/// Parsing numbers straight from UTF-8 bytes (no String per value).
public enum NumberParsing {
    /// A decimal integer with optional sign; nil for anything else (including empty input).
    @inlinable
    public static func int(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0, neg = false
        guard !b.isEmpty else { return nil }
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") { neg = b[0] == UInt8(ascii: "-"); i = 1 }
        guard i < b.count else { return nil }
        var v = 0
        while i < b.count {
            let d = Int(b[i]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            v = s
            i += 1
        }
        return neg ? -v : v
    }

    /// A floating-point number as C's strtod reads it (decimal, exponent, inf, nan); nil when the whole cell
    /// is not a number.
    public static func double(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = b.count
        guard n > 0 && n < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { tmp -> Double? in
            for i in 0 ..< n { tmp[i] = CChar(bitPattern: b[i]) }
            tmp[n] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(tmp.baseAddress!, &end)
            guard let e = end, e - tmp.baseAddress! == n else { return nil }
            return v
        }
    }
}
