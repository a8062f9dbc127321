@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Write → read round trips for every writable mode in both byte orders, and the header MRCWriter produces.
@Suite struct MRCRoundTripTests {
    static let writable: [MRCMode] = [.float32, .int16, .float16, .int8, .uint16]
    static let orders: [ByteOrder] = [.little, .big]

    @Test func everyWritableModeAndByteOrderRoundTripsExactly() throws {
        let dir = TestEnv.temporaryDirectory("mrc-rt")
        defer { TestEnv.removeTemporary(dir) }
        var combinations = 0
        try withEvery(Self.writable, Self.orders) { mode, order in
            let v = integerVolume(GridSize(7, 5, 3), nonNegative: mode == .uint16)
            let path = "\(dir)/\(mode.name)-\(order).mrc"
            var options = MRCWriteOptions(mode: mode, byteOrder: order, labels: ["round trip \(mode.name)"])
            options.spaceGroup = 1
            try MRCWriter.write(v, to: path, options: options)
            let f = try MRCFile.open(path)
            let h = f.header
            #expect(f.mode == mode)
            #expect(h.byteOrder == order)
            #expect(h.machineStamp == order.machineStamp)
            #expect(h.nversion == 20140)
            #expect(h.mapID == "MAP ")
            #expect(h.gridSize == v.size)
            #expect(SIMD3(h.mx, h.my, h.mz) == SIMD3(7, 5, 3))
            #expect(h.cellA == SIMD3<Float>(7 * 1.25, 5 * 1.25, 3 * 1.25), "cell = grid × pixel size")
            #expect(h.voxelSize == VoxelSize(isotropic: 1.25))
            #expect(h.origin == SIMD3<Float>(-10, 5.5, 20))
            #expect(h.labels.first == "round trip \(mode.name)")
            #expect(h.labels.count == 2 && h.labels[1].hasPrefix("emtools: written "))
            let ref = referenceStatistics(v.data)
            #expect(h.dmin == ref.min && h.dmax == ref.max)
            #expect(abs(Double(h.dmean) - ref.mean) < 1e-5 && abs(Double(h.rms) - ref.rms) < 1e-4)
            let (back, stats) = try f.readVolumeAndStatistics()
            #expect(back.data == v.data, "\(mode) \(order)")
            #expect(back.origin == SIMD3(-10, 5.5, 20))
            #expect(stats.min == ref.min && stats.max == ref.max)
            #expect(try f.statistics().count == v.size.count)
            #expect(MRCValidator.validate(path) == [], "\(mode) \(order)")
            combinations += 1
        }
        #expect(combinations == 10)
    }

    @Test func float32KeepsArbitraryValuesBitForBit() throws {
        let dir = TestEnv.temporaryDirectory("mrc-rt")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: 24, voxelSize: 1.5, noise: 0.1)
        for order in Self.orders {
            let path = "\(dir)/a-\(order).mrc"
            try MRCWriter.write(v, to: path, options: MRCWriteOptions(byteOrder: order))
            let back = try MRCFile.open(path).readVolume()
            #expect(back.data == v.data)
            #expect(back.voxelSize.x == 1.5)
        }
    }

    @Test func float16KeepsValuesToHalfPrecision() throws {
        let dir = TestEnv.temporaryDirectory("mrc-rt")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: 16, noise: 0.2)
        try MRCWriter.write(v, to: dir + "/h.mrc", options: MRCWriteOptions(mode: .float16))
        let back = try MRCFile.open(dir + "/h.mrc").readVolume()
        for (a, b) in zip(v.data, back.data) { #expect(b == Float(Float16(a))) }
    }

    @Test func rescaleFitsIntegerModesAndRecordsTheScale() throws {
        let dir = TestEnv.temporaryDirectory("mrc-rt")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: 16, noise: 0.2)
        let s = v.statistics()
        let h = try MRCWriter.write(v, to: dir + "/i.mrc", options: MRCWriteOptions(mode: .int16, scaling: .fit))
        #expect(h.dmin == -32768 && h.dmax == 32767)
        #expect(h.labels.contains { $0.hasPrefix("emtools: stored = ") })
        let back = try MRCFile.open(dir + "/i.mrc").readVolume()
        let scale = 65535 / (s.max - s.min)
        for (a, b) in zip(v.data, back.data) { #expect(abs((a - s.min) * scale - 32768 - b) <= 0.5 + 1e-2) }
    }

    @Test func outOfRangeValuesFailWithoutRescaleAndLeaveNothingBehind() throws {
        let dir = TestEnv.temporaryDirectory("mrc-rt")
        defer { TestEnv.removeTemporary(dir) }
        var v = Volume(size: GridSize(4, 4, 4))
        v.data[3] = 40000
        let path = dir + "/big.mrc"
        #expect(throws: MRCError.valueOutOfRange(path: path, mode: .int16, min: 0, max: 40000)) {
            try MRCWriter.write(v, to: path, options: MRCWriteOptions(mode: .int16))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [], "no output and no temporary file")
        let missing = dir + "/no/such/dir/x.mrc"
        #expect(throws: FileError.self) { try MRCWriter.write(v, to: missing) }
        #expect(throws: MRCError.self) { try MRCWriter.write(v, to: path, options: MRCWriteOptions(mode: .complexFloat32)) }
    }

    @Test func imageAndVolumeStacksKeepTheirShape() throws {
        let dir = TestEnv.temporaryDirectory("mrc-rt")
        defer { TestEnv.removeTemporary(dir) }
        let v = integerVolume(GridSize(6, 6, 8))
        var o = MRCWriteOptions()
        o.spaceGroup = 401
        o.volumeStackDepth = 4
        let h = try MRCWriter.write(v, to: dir + "/vs.mrc", options: o)
        #expect(h.content == .volumeStack(count: 2, depth: 4))
        #expect(h.voxelSize == VoxelSize(isotropic: 1.25))
        #expect(try MRCFile.open(dir + "/vs.mrc").header.content == .volumeStack(count: 2, depth: 4))
        o.spaceGroup = 0
        o.volumeStackDepth = nil
        let s = try MRCWriter.write(v, to: dir + "/is.mrcs", options: o)
        #expect(s.content == .imageStack(count: 8))
        let image = try MRCWriter.write(integerVolume(GridSize(6, 6, 1)), to: dir + "/im.mrc")
        #expect(image.content == .image && image.ispg == 0)
        for name in ["vs.mrc", "is.mrcs", "im.mrc"] { #expect(MRCValidator.validate("\(dir)/\(name)") == []) }
    }

    @Test func everyAxisOrderIsReadIntoXYZ() throws {
        let dir = TestEnv.temporaryDirectory("mrc-axes")
        defer { TestEnv.removeTemporary(dir) }
        let size = GridSize(5, 4, 3)
        let v = integerVolume(size)
        let permutations: [[Int32]] = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]
        try withEvery(permutations, Self.orders) { axes, order in
            // File dimension k runs along axis axes[k]; store voxel (x, y, z) at its file position.
            let n = [size.nx, size.ny, size.nz]
            let fileDims = axes.map { n[Int($0) - 1] }
            var raw = RawMRC(nx: fileDims[0], ny: fileDims[1], nz: fileDims[2], mode: .float32, order: order)
            raw.header.axisOrder = AxisOrder(column: axes[0], row: axes[1], section: axes[2])
            raw.header.mx = Int32(fileDims[0]); raw.header.my = Int32(fileDims[1]); raw.header.mz = Int32(fileDims[2])
            for s in 0 ..< fileDims[2] { for r in 0 ..< fileDims[1] { for c in 0 ..< fileDims[0] {
                var xyz = [0, 0, 0]
                xyz[Int(axes[0]) - 1] = c; xyz[Int(axes[1]) - 1] = r; xyz[Int(axes[2]) - 1] = s
                raw.append(v[xyz[0], xyz[1], xyz[2]])
            } } }
            let path = "\(dir)/\(axes.map(String.init).joined())-\(order).mrc"
            try raw.write(to: path)
            let f = try MRCFile.open(path)
            #expect(f.gridSize == size)
            #expect(try f.readVolume().data == v.data, "axis order \(axes) \(order)")
        }
    }
}
