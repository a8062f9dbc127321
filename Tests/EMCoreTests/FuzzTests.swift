import EMCore
import Foundation
import PropertyBased
import Testing
import TestSupport

/// Fuzzing of the two readers that take whatever a user points them at: the MRC reader and the STAR
/// parser, fed random bytes and random mutations of valid files. Each must throw one of its typed errors
/// (whose description is one line naming the file) or succeed — never trap (a trap ends the test run) —
/// and a map it accepts never asks for more memory than the file's bytes justify.
@Suite(.serialized) struct FuzzTests {

    /// A valid little-endian 8×6×5 float32 map.
    static let goodMap: [UInt8] = {
        let v = Volume(size: GridSize(8, 6, 5), voxelSize: VoxelSize(isotropic: 1.5), data: (0 ..< 240).map { Float($0) * 0.25 - 7 })
        let dir = TestEnv.temporaryDirectory("fuzz")
        defer { TestEnv.removeTemporary(dir) }
        _ = try! MRCWriter.write(v, to: dir + "/good.mrc")
        return Array(try! Data(contentsOf: URL(fileURLWithPath: dir + "/good.mrc")))
    }()

    /// A valid RELION 3.1 STAR file.
    static let goodSTAR: [UInt8] = Array("""
        # version 30001

        data_optics

        loop_
        _rlnOpticsGroup #1
        _rlnImagePixelSize #2
        1 1.06

        data_particles

        loop_
        _rlnImageName #1
        _rlnDefocusU #2
        _rlnClassNumber #3
        000001@Extract/job007/a.mrcs 12000.5 1
        000002@Extract/job007/a.mrcs 13000.25 2
        'name with space' 9000 3
        """.utf8)

    /// Open `bytes` as an MRC file and read it; return a problem, or nil when it behaved.
    static func mrcProblem(_ bytes: [UInt8], tag: String) -> String? {
        let path = NSTemporaryDirectory() + "emtools-fuzz-\(getpid())-\(tag).mrc"
        try! Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        do {
            let file = try MRCFile.open(path)
            let h = file.header
            let voxels = Int(h.nx) * Int(h.ny) * Int(h.nz)
            // 4-bit data is the densest: two voxels per byte; the Float32 volume is then 8 bytes per file byte.
            if voxels > 2 * bytes.count { return "accepted \(h.nx)×\(h.ny)×\(h.nz) from \(bytes.count) bytes" }
            let v = try file.readVolume()
            if v.data.count != voxels { return "read \(v.data.count) voxels of \(voxels)" }
            return nil
        } catch let e as MRCError {
            return oneLine(e.description, path)
        } catch let e as FileError {
            return oneLine(e.description, path)
        } catch {
            return "untyped error \(type(of: error)): \(error)"
        }
    }

    /// Parse `bytes` as STAR; return a problem, or nil when it behaved.
    static func starProblem(_ bytes: [UInt8]) -> String? {
        do {
            let doc = try STARDocument.parse(bytes: bytes, path: "fuzz.star")
            // Values of a table can be read back without trapping.
            for b in doc.blocks { for t in b.tables where t.rowCount > 0 { _ = t.row(0); _ = t.row(t.rowCount - 1) } }
            return nil
        } catch let e as STARError {
            return oneLine(e.description, "fuzz.star")
        } catch {
            return "untyped error \(type(of: error)): \(error)"
        }
    }

    static func oneLine(_ message: String, _ path: String) -> String? {
        if message.contains("\n") { return "multi-line message: \(message)" }
        if !message.hasPrefix(path) { return "message does not start with the file: \(message)" }
        return nil
    }

    /// Random bytes, and random bytes behind a valid header word or MAP id.
    @Test func randomBytesAsMRC() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0 ... 255).array(of: 0 ... 3000), Gen.int(in: 0 ... 2)) { raw, shape in
            var bytes = raw.map { UInt8($0) }
            if shape >= 1 && bytes.count >= 1024 {
                // "MAP " and a little-endian stamp, so the reader goes past the byte-order guess.
                bytes.replaceSubrange(208 ..< 216, with: [0x4d, 0x41, 0x50, 0x20, 0x44, 0x44, 0, 0])
                if shape == 2 { bytes.replaceSubrange(12 ..< 16, with: [2, 0, 0, 0]) }
            }
            if let p = Self.mrcProblem(bytes, tag: "random") { Issue.record("\(p)") }
        }
    }

    /// A valid map with up to 12 header bytes overwritten and maybe cut short.
    @Test func mutatedMapHeaders() async {
        let good = Self.goodMap
        let mutation = zip(Gen.int(in: 0 ..< 1024), Gen.int(in: 0 ... 255))
        await propertyCheck(count: 300, input: mutation.array(of: 1 ... 12), Gen.int(in: 0 ... 4)) { changes, cut in
            var bytes = good
            for (at, value) in changes { bytes[at] = UInt8(value) }
            if cut == 0 { bytes.removeLast(changes.count * 13 + 1) }
            if let p = Self.mrcProblem(bytes, tag: "mutated") { Issue.record("\(p); changes \(changes)") }
        }
    }

    /// Header words set to extreme values: dimensions, mode, axis order, NSYMBT, NLABL.
    @Test func extremeHeaderWords() async {
        let good = Self.goodMap
        let words = Gen.element(of: [0, 1, 2, 3, 7, 8, 9, 16, 17, 18, 22, 23, 55]).map { $0 ?? 0 }
        let values = Gen.element(of: [Int32.min, -1, 0, 1, 2, 3, 4, 101, 401, 65_535, 1 << 20, 1 << 24, Int32.max]).map { $0 ?? 0 }
        await propertyCheck(count: 300, input: zip(words, values).array(of: 1 ... 4)) { changes in
            var bytes = good
            for (w, v) in changes {
                withUnsafeBytes(of: v.littleEndian) { bytes.replaceSubrange(4 * w ..< 4 * w + 4, with: $0) }
            }
            if let p = Self.mrcProblem(bytes, tag: "words") { Issue.record("\(p); changes \(changes)") }
        }
    }

    @Test func randomBytesAsSTAR() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0 ... 255).array(of: 0 ... 2000)) { raw in
            if let p = Self.starProblem(raw.map { UInt8($0) }) { Issue.record("\(p)") }
        }
    }

    /// A valid STAR file with random bytes replaced, inserted (quotes, newlines, spaces, '_', ';') or deleted.
    @Test func mutatedSTARFiles() async {
        let good = Self.goodSTAR
        let special: [UInt8] = Array("'\"\n \t_;#$\r".utf8) + [0, 0xff, 0xc3]
        let edit = zip(Gen.int(in: 0 ... 2), Gen.int(in: 0 ..< good.count), Gen.int(in: 0 ..< special.count))
        await propertyCheck(count: 400, input: edit.array(of: 1 ... 6)) { edits in
            var bytes = good
            for (kind, at, s) in edits {
                let i = min(at, bytes.count - 1)
                switch kind {
                case 0: bytes[i] = special[s]
                case 1: bytes.insert(special[s], at: i)
                default: if bytes.count > 1 { bytes.remove(at: i) }
                }
            }
            if let p = Self.starProblem(bytes) { Issue.record("\(p); edits \(edits)") }
        }
    }
}
