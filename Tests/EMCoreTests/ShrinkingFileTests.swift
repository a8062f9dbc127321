import CMappedFiles
@testable import EMCore
import Foundation
import Glibc
import Testing
import TestSupport

/// A map truncated by another program while emtools reads it (RELION rewriting a class average, a copy being
/// replaced) must give `FileError.shrankWhileReading` naming the file, never a SIGBUS crash and never numbers
/// computed from the missing part. The file is opened (and mapped) first and truncated afterwards, so every
/// read below meets pages that have vanished.
@Suite(.serialized) struct ShrinkingFileTests {
    static let size = GridSize(64, 64, 64)

    /// Write a 64³ map of `mode` (1 MiB as float32), open it, then cut the file to `keep` bytes.
    static func openThenTruncate(_ dir: String, mode: MRCMode = .float32, keep: Int = 1024 + 64 * 64 * 16 * 4) throws -> (MRCFile, Volume) {
        var g = SplitMix64(seed: 11)
        let v = Volume(size: size, voxelSize: VoxelSize(isotropic: 1.2), data: (0 ..< size.count).map { _ in Float(g.nextGaussian()) + 3 })
        let path = dir + "/m-\(mode.rawValue).mrc"
        var options = MRCWriteOptions()
        options.mode = mode
        _ = try MRCWriter.write(v, to: path, options: options)
        let file = try MRCFile.open(path)
        #expect(truncate(path, off_t(keep)) == 0)
        return (file, v)
    }

    static func expectShrank(_ path: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("\(path): no error although the file was truncated")
        } catch let e as FileError {
            #expect(e == .shrankWhileReading(path: path))
            #expect(e.description.hasPrefix(path + ": the file shrank while it was being read"))
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func everyReaderOfATruncatedFloat32MapThrowsInsteadOfCrashing() throws {
        let dir = TestEnv.temporaryDirectory("shrink")
        defer { TestEnv.removeTemporary(dir) }
        let (file, _) = try Self.openThenTruncate(dir)
        #expect(!file.storage.isDamaged)
        for axis in VolumeAxis.allCases {
            Self.expectShrank(file.path) { _ = try file.projection(along: axis) }
            Self.expectShrank(file.path) { _ = try file.projection(along: axis, kind: .maximum) }
        }
        #expect(file.storage.isDamaged)
        Self.expectShrank(file.path) { _ = try file.statistics() }
        Self.expectShrank(file.path) { _ = try file.readVolume() }
        Self.expectShrank(file.path) { _ = try file.slice(across: .z, at: 60) }
        let fourier = try FourierVolume(size: Self.size)
        Self.expectShrank(file.path) { try fourier.load(file) }
    }

    @Test func convertedModesReadThroughPreadAlsoThrow() throws {
        let dir = TestEnv.temporaryDirectory("shrink16")
        defer { TestEnv.removeTemporary(dir) }
        for mode in [MRCMode.int16, .float16] {
            let (file, _) = try Self.openThenTruncate(dir, mode: mode, keep: 1024 + 64 * 64 * 10 * 2)
            Self.expectShrank(file.path) { _ = try file.statistics() }
            Self.expectShrank(file.path) { _ = try file.projection(along: .z) }
        }
    }

    @Test func aSliceBeforeTheCutAndOtherFilesAreUnaffected() throws {
        let dir = TestEnv.temporaryDirectory("shrinkok")
        defer { TestEnv.removeTemporary(dir) }
        let (file, volume) = try Self.openThenTruncate(dir)
        // Section 3 lies wholly before the cut (16 sections kept): it reads, and matches a fresh file's.
        let early = try file.slice(across: .z, at: 3)
        let reference = try volume.slice(across: .z, at: 3)
        #expect(early.pixels == reference.pixels)
        #expect(!file.storage.isDamaged)
        // A second, intact file opened now reads normally while the first is damaged.
        var options = MRCWriteOptions()
        options.mode = .float32
        let other = dir + "/other.mrc"
        _ = try MRCWriter.write(Volume(size: GridSize(16, 16, 16), voxelSize: VoxelSize(isotropic: 1), data: (0 ..< 4096).map(Float.init)), to: other, options: options)
        let s = try MRCFile.open(other).statistics()
        #expect(s.min == 0 && s.max == 4095)
        #expect(try MRCFile.open(other).projection(along: .z).pixels[0] == (0 ..< 16).reduce(0) { $0 + Float($1 * 256) })
    }

    @Test func slotsAreReusedAfterFilesClose() throws {
        let dir = TestEnv.temporaryDirectory("slots")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/m.mrc"
        _ = try MRCWriter.write(Volume(size: GridSize(8, 8, 8), voxelSize: VoxelSize(isotropic: 1), data: [Float](repeating: 1, count: 512)), to: path)
        // Far more opens than there are slots: each file releases its slot when it goes away.
        for _ in 0 ..< 3 * Int(emt_mapping_slot_count()) {
            let f = try MRCFile.open(path)
            #expect(f.storage.guardSlot >= 0)
        }
    }
}
