/// Byte tests on eight bytes at once in a 64-bit word ("SIMD within a register"), for the STAR scanner and
/// number parser. A word is loaded little-endian: the byte at the lowest address is the lowest byte.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `p` (any alignment; all eight must be readable).
    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 { UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)) }

    /// The high bit of every byte below 0x21 (white space, control bytes) is set, possibly also of bytes
    /// after the first such byte; so `firstByte` of it is exact.
    @inline(__always)
    static func belowBang(_ x: UInt64) -> UInt64 { (x &- ones &* 0x21) & ~x & highBits }

    /// The high bit of every byte that is not an ASCII digit is set, possibly also of bytes after the first
    /// such byte; so `firstByte` of it, and whether it is zero, are exact.
    @inline(__always)
    static func nonDigits(_ x: UInt64) -> UInt64 {
        let t = x ^ (ones &* 0x30)   // digits become 0…9
        return ((t &+ ones &* 0x76) | t) & highBits
    }

    /// Index (0…7) of the first byte whose high bit is set in a non-zero mask.
    @inline(__always)
    static func firstByte(_ mask: UInt64) -> Int { mask.trailingZeroBitCount >> 3 }

    /// The value of eight ASCII digits, the first most significant (bytes 0x00 count as leading zeros).
    @inline(__always)
    static func eightDigits(_ x: UInt64) -> UInt64 {
        var v = ((x & (ones &* 0x0f)) &* 2561) >> 8
        v = ((v & 0x00ff_00ff_00ff_00ff) &* 6_553_601) >> 16
        return ((v & 0x0000_ffff_0000_ffff) &* 42_949_672_960_001) >> 32
    }

    /// The value of the first `k` (1…7) digits of `x`.
    @inline(__always)
    static func leadingDigits(_ x: UInt64, _ k: Int) -> UInt64 { eightDigits(x &<< UInt64((8 - k) << 3)) }

    /// The value of the last `k` (1…8) digits of `x`.
    @inline(__always)
    static func trailingDigits(_ x: UInt64, _ k: Int) -> UInt64 { eightDigits(x & (~0 &<< UInt64((8 - k) << 3))) }

    /// A mask of the last `k` (1…8) bytes' high bits.
    @inline(__always)
    static func lastBytes(_ k: Int) -> UInt64 { highBits & (~0 &<< UInt64((8 - k) << 3)) }
}
