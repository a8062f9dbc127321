import Dispatch
import FoundationEssentials
import Glibc

/// Parsing numbers straight from UTF-8 bytes (no String per value).
///
/// `double` gives exactly what C's `strtod` gives for the whole cell: plain decimals of at most 19 digits
/// (everything RELION writes) are read in one pass, other decimals with at most 19 significant digits and a
/// power of ten within ±22 take the same exact fast path (Clinger's) after a general scan, anything else goes
/// to `strtod`.
public enum NumberParsing {
    /// A decimal integer with optional sign; nil for anything else (including empty input).
    @inlinable
    public static func int(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let p = b.baseAddress else { return nil }
        return int(p, b.count)
    }

    /// A decimal integer from `n` bytes at `p`; nil for anything else.
    @inlinable
    public static func int(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        var i = 0, neg = false
        guard n > 0 else { return nil }
        if p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") { neg = p[0] == UInt8(ascii: "-"); i = 1 }
        guard i < n else { return nil }
        var v = 0
        while i < n {
            let d = Int(p[i]) &- 48
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
        guard let p = b.baseAddress else { return nil }
        return double(p, b.count)
    }

    /// Exact powers of ten 10^0 … 10^22 (every one is a Double without rounding).
    @inline(__always) @usableFromInline
    static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// A floating-point number from `n` bytes at `p`; nil when the bytes are not one number.
    ///
    /// Plain decimals (`[+-]digits[.digits]`, at most 19 digits, no exponent) — nearly every cell RELION
    /// writes — are read in one pass here; everything else goes to `generalDouble`.
    @inline(__always)
    public static func double(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0 else { return nil }
        var i = 0
        let neg = p[0] == UInt8(ascii: "-")
        if neg || p[0] == UInt8(ascii: "+") { i = 1 }
        if i + 8 <= n, let v = eightByteDecimal(p, from: i, n) { return neg ? -v : v }
        var mant: UInt64 = 0
        var digits = appendDigits(p, &i, n, to: &mant), fraction = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            fraction = appendDigits(p, &i, n, to: &mant)
            digits += fraction
        }
        // 19 digits never overflow UInt64; a mantissa up to 2^53 and 10^k (k <= 22) are exact Doubles, so one
        // correctly rounded division gives strtod's result (Clinger's fast path).
        if i == n && digits > 0 && digits <= 19 && mant <= (1 << 53) {
            let v = fraction == 0 ? Double(mant) : Double(mant) / powerOfTen(fraction)
            return neg ? -v : v
        }
        return generalDouble(p, n)
    }

    /// Append the decimal digits at `p[i...]` (up to `n` or the first non-digit) to `mant`, advancing `i`;
    /// returns how many there were. `mant` wraps past 19 digits: callers check the count.
    @inline(__always)
    static func appendDigits(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int, to mant: inout UInt64) -> Int {
        let start = i
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            mant = mant &* 10 &+ UInt64(d)
            i += 1
        }
        return i - start
    }

    /// A plain decimal of 1–7 integer digits and 0–8 fraction digits filling bytes `i ..< n` (at least eight
    /// of them), read eight bytes at a time; nil when the cell is anything else.
    @inline(__always)
    static func eightByteDecimal(_ p: UnsafePointer<UInt8>, from i: Int, _ n: Int) -> Double? {
        let head = SWAR.load(p + i)
        let bad = SWAR.nonDigits(head)
        guard bad != 0 else { return nil }
        let k = SWAR.firstByte(bad)
        guard p[i + k] == UInt8(ascii: ".") else { return nil }
        let f = n - (i + k + 1)
        guard f <= 8, k + f > 0 else { return nil }
        let whole: UInt64 = k == 0 ? 0 : SWAR.leadingDigits(head, k)
        guard f > 0 else { return Double(whole) }
        let tail = SWAR.load(p + n - 8)
        guard SWAR.nonDigits(tail) & SWAR.lastBytes(f) == 0 else { return nil }
        // At most 15 digits: the mantissa and 10^f are exact, so one division rounds like strtod.
        return Double(whole &* UInt64(powerOfTen(f)) &+ SWAR.trailingDigits(tail, f)) / powerOfTen(f)
    }

    /// Any number strtod reads (exponents, long mantissas, inf, nan, hex), exactly as strtod: decimals with at
    /// most 19 significant digits and a power of ten within ±22 by Clinger's fast path, the rest by strtod.
    @usableFromInline
    static func generalDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0 else { return nil }
        var i = 0, neg = false
        if p[0] == UInt8(ascii: "-") { neg = true; i = 1 } else if p[0] == UInt8(ascii: "+") { i = 1 }
        var mant: UInt64 = 0, digits = 0, exp10 = 0
        var sawDigit = false, truncated = false
        while i < n {
            let d = p[i] &- 48
            if d > 9 { break }
            sawDigit = true
            if mant == 0 && d == 0 {
            } else if digits < 19 { mant = mant &* 10 &+ UInt64(d); digits += 1 } else { exp10 += 1; truncated = true }
            i += 1
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                sawDigit = true
                if mant == 0 && d == 0 { exp10 -= 1 } else if digits < 19 { mant = mant &* 10 &+ UInt64(d); digits += 1; exp10 -= 1 } else { truncated = true }
                i += 1
            }
        }
        guard sawDigit else { return strtodWhole(p, n) }
        if i < n && (p[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var eneg = false
            if i < n && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) { eneg = p[i] == UInt8(ascii: "-"); i += 1 }
            var e = 0, eDigits = 0
            while i < n {
                let d = p[i] &- 48
                if d > 9 { break }
                if e < 100_000 { e = e * 10 + Int(d) }
                eDigits += 1
                i += 1
            }
            guard eDigits > 0 else { return nil }
            exp10 += eneg ? -e : e
        }
        guard i == n else { return strtodWhole(p, n) }
        if mant == 0 { return neg ? -0.0 : 0.0 }
        if !truncated && mant <= (1 << 53) && exp10 >= -22 && exp10 <= 22 {
            var v = Double(mant)
            v = exp10 < 0 ? v / powerOfTen(-exp10) : v * powerOfTen(exp10)
            return neg ? -v : v
        }
        return strtodWhole(p, n)
    }

    /// strtod over exactly `n` bytes; nil unless all of them are consumed.
    @usableFromInline
    static func strtodWhole(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double? {
        guard n > 0 && n < 400 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { tmp -> Double? in
            for i in 0 ..< n { tmp[i] = CChar(bitPattern: p[i]) }
            tmp[n] = 0
            if tmp[0] == 0x20 || tmp[0] == 0x09 || tmp[0] == 0x0a { return nil }
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(tmp.baseAddress!, &end)
            guard let e = end, e - tmp.baseAddress! == n else { return nil }
            return v
        }
    }
}
