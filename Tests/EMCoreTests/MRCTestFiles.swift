@testable import EMCore
import Foundation
import TestSupport

/// Run `body` for every combination of the elements of two collections (swift-collections' `withEvery`).
func withEvery<A: Sequence, B: Sequence>(_ a: A, _ b: B, _ body: (A.Element, B.Element) throws -> Void) rethrows {
    for x in a { for y in b { try body(x, y) } }
}

/// Builds MRC files byte by byte, so that tests can make modes emtools does not write, unusual axis orders,
/// odd extended headers and every kind of broken header.
struct RawMRC {
    var header: MRCHeader
    var extended = Data()
    var data = Data()

    init(nx: Int, ny: Int, nz: Int, mode: MRCMode, order: ByteOrder = .little) {
        header = MRCHeader(size: GridSize(nx, ny, nz), voxelSize: VoxelSize(isotropic: 1), mode: mode, byteOrder: order)
    }

    /// The whole file: encoded header (then `patches` applied to its bytes), extended header, data.
    func bytes(patches: [(offset: Int, bytes: [UInt8])] = []) -> Data {
        var h = header
        h.nsymbt = Int32(extended.count)
        var out = h.encoded()
        for p in patches { out.replaceSubrange(p.offset ..< p.offset + p.bytes.count, with: p.bytes) }
        return Data(out) + extended + data
    }

    func write(to path: String) throws { try bytes().write(to: URL(fileURLWithPath: path)) }

    /// Append a value in the header's byte order.
    mutating func append<T: FixedWidthInteger>(_ v: T) {
        let e = header.byteOrder == .little ? v.littleEndian : v.bigEndian
        withUnsafeBytes(of: e) { data.append(contentsOf: $0) }
    }
    mutating func append(_ v: Float) { append(v.bitPattern) }
}

/// The 4 bytes of an Int32 word in `order`, for patching headers.
func word(_ v: Int32, _ order: ByteOrder = .little) -> [UInt8] {
    let e = order == .little ? v.littleEndian : v.bigEndian
    return withUnsafeBytes(of: e) { Array($0) }
}

/// A small volume whose values are whole numbers in -100…100 (exact in every writable mode), or 0…200
/// when `nonNegative`.
func integerVolume(_ size: GridSize, nonNegative: Bool = false, voxelSize: Double = 1.25) -> Volume {
    var v = Volume(size: size, voxelSize: VoxelSize(isotropic: voxelSize), origin: SIMD3(-10, 5.5, 20))
    for i in 0 ..< size.count {
        let x = Float((i * 37 + 11) % 201)
        v.data[i] = nonNegative ? x : x - 100
    }
    return v
}

/// Statistics computed the slow, obvious way in Double, to check the SIMD/parallel ones.
func referenceStatistics(_ values: [Float]) -> (min: Float, max: Float, mean: Double, rms: Double) {
    let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
    return (values.min()!, values.max()!, mean, variance.squareRoot())
}

/// Read a little-endian float32 file written by a peer program (numpy `astype('<f4').tofile`).
func readFloat32File(_ path: String) throws -> [Float] {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    return d.withUnsafeBytes { raw in
        (0 ..< d.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }
}
