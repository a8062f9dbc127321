import CKernels
import Dispatch
import FoundationEssentials
import Glibc

/// Per-mode kernels turning the raw voxels of an MRC data block into Float32.
///
/// Every load is unaligned-safe (`loadUnaligned`), because a hostile or unusual NSYMBT can put the data block
/// at any byte offset; on x86-64 and arm64 these compile to ordinary vector loads. Loops are written without
/// branches in their bodies so that the optimiser vectorises them. Complex amplitudes use `hypotf` (correctly
/// rounded and overflow-free, the same as numpy's `abs`), not the naive square root of the sum of squares.
enum MRCDecoding {
    /// Convert voxels `range` (linear index in file order) of `src` in `mode` to Float32, writing `out[i]`
    /// for each `i` in `range`. `swap` is true when the file's byte order differs from the machine's.
    /// `nx` is needed for mode 101, whose rows are padded to whole bytes.
    static func convert(_ src: UnsafeRawPointer, mode: MRCMode, swap: Bool, unsignedMode0: Bool, nx: Int,
                        _ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let lo = range.lowerBound, hi = range.upperBound
        switch mode {
        case .float32:
            if swap {
                for i in lo ..< hi { out[i] = Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).byteSwapped) }
            } else {
                UnsafeMutableRawPointer(out + lo).copyMemory(from: src + 4 * lo, byteCount: 4 * (hi - lo))
            }
        case .int16:
            emt_int16_to_float(src + 2 * lo, out + lo, hi - lo, swap ? 1 : 0)
        case .uint16:
            if swap {
                for i in lo ..< hi { out[i] = Float(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).byteSwapped) }
            } else {
                for i in lo ..< hi { out[i] = Float(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            }
        case .float16:
            float16ToFloat(src, swap: swap, range, into: out)
        case .int8:
            if unsignedMode0 {
                for i in lo ..< hi { out[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
            } else {
                for i in lo ..< hi { out[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
            }
        case .complexInt16:
            for i in lo ..< hi {
                var re = src.loadUnaligned(fromByteOffset: 4 * i, as: UInt16.self)
                var im = src.loadUnaligned(fromByteOffset: 4 * i + 2, as: UInt16.self)
                if swap { re = re.byteSwapped; im = im.byteSwapped }
                out[i] = hypotf(Float(Int16(bitPattern: re)), Float(Int16(bitPattern: im)))
            }
        case .complexFloat32:
            for i in lo ..< hi {
                var re = src.loadUnaligned(fromByteOffset: 8 * i, as: UInt32.self)
                var im = src.loadUnaligned(fromByteOffset: 8 * i + 4, as: UInt32.self)
                if swap { re = re.byteSwapped; im = im.byteSwapped }
                out[i] = hypotf(Float(bitPattern: re), Float(bitPattern: im))
            }
        case .packed4Bit:
            // Two voxels per byte, the first in the low nibble; every row starts on a new byte.
            let rowBytes = (nx + 1) / 2
            var row = lo / nx, col = lo - row * nx
            for i in lo ..< hi {
                let byte = src.load(fromByteOffset: row * rowBytes + col / 2, as: UInt8.self)
                out[i] = Float(col & 1 == 0 ? byte & 0x0f : byte >> 4)
                col += 1
                if col == nx { col = 0; row += 1 }
            }
        }
    }

    /// IEEE half → single precision for voxels `range`, exact for every value (`emt_half_to_float` of the
    /// CKernels target: the F16C instruction `vcvtph2ps` where the CPU has it, else the bit arithmetic of
    /// `halfToFloat`).
    static func float16ToFloat(_ src: UnsafeRawPointer, swap: Bool, _ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        emt_half_to_float(src + 2 * range.lowerBound, out + range.lowerBound, range.count, swap ? 1 : 0)
    }

    /// One half-precision bit pattern to Float, bit-exact without F16C: the exponent and mantissa are shifted
    /// into place and rescaled by 2¹¹², which also handles subnormals; infinities and NaNs get the all-ones
    /// exponent with the payload kept; the sign is copied.
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let w = UInt32(h)
        let sign = (w & 0x8000) << 16
        let magnitude = w & 0x7fff
        let shifted = magnitude << 13
        // Finite values: reinterpret and rescale by 2^(127 - 15) to fix the exponent bias.
        let scaled = (Float(bitPattern: shifted) * 0x1p112).bitPattern
        // Infinity and NaN: exponent all ones, mantissa (NaN payload) kept.
        let bits = magnitude >= 0x7c00 ? shifted | 0x7f80_0000 : scaled
        return Float(bitPattern: bits | sign)
    }
}
