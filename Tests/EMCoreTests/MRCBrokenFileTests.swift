@testable import EMCore
import Foundation
import Testing
import TestSupport

/// A corpus of broken files, each made in the test from a good one, with the error opening it must give
/// (a typed error naming the file and the problem) or the problem the validator must list.
@Suite(.serialized) struct MRCBrokenFileTests {
    /// What a broken file must produce.
    enum Expected {
        /// `MRCFile.open` throws exactly this error.
        case openError((String) -> Error)
        /// `MRCFile.open` throws an error of this kind whose text contains the phrase.
        case openErrorContaining(String)
        /// The file opens, and the validator lists an error containing the phrase.
        case problem(String)
        /// The file opens, and the validator lists a warning containing the phrase.
        case warning(String)
    }

    struct Case {
        var name: String
        /// Create the broken file at the given path (from the good file's bytes) and return the path to open.
        var make: (_ path: String, _ good: Data) throws -> String
        var expected: Expected
    }

    /// A good 8 × 6 × 4 float32 little-endian file with correct statistics.
    static func goodFile() throws -> Data {
        var raw = RawMRC(nx: 8, ny: 6, nz: 4, mode: .float32)
        let values = (0 ..< 192).map { Float($0 % 17) - 8 }
        for v in values { raw.append(v) }
        let s = referenceStatistics(values)
        raw.header.dmin = s.min; raw.header.dmax = s.max; raw.header.dmean = Float(s.mean); raw.header.rms = Float(s.rms)
        return raw.bytes()
    }

    /// The good file with header bytes replaced.
    static func patched(_ good: Data, _ patches: [(Int, [UInt8])]) -> Data {
        var d = good
        for (offset, bytes) in patches { d.replaceSubrange(offset ..< offset + bytes.count, with: bytes) }
        return d
    }

    static func file(_ data: Data) -> (String, Data) throws -> String {
        { path, _ in try data.write(to: URL(fileURLWithPath: path)); return path }
    }
    static func patch(_ patches: [(Int, [UInt8])]) -> (String, Data) throws -> String {
        { path, good in try patched(good, patches).write(to: URL(fileURLWithPath: path)); return path }
    }
    static func python(_ script: String) -> (String, Data) throws -> String {
        { path, good in
            try good.write(to: URL(fileURLWithPath: path + ".src"))
            try TestEnv.python(script, [path + ".src", path])
            return path
        }
    }

    static let cases: [Case] = [
        Case(name: "empty file", make: file(Data()), expected: .openError { .tooShortForHeader(path: $0, size: 0) as MRCError }),
        Case(name: "truncated header", make: { p, g in try g.prefix(500).write(to: URL(fileURLWithPath: p)); return p },
             expected: .openError { MRCError.tooShortForHeader(path: $0, size: 500) }),
        Case(name: "truncated data", make: { p, g in try g.dropLast(100).write(to: URL(fileURLWithPath: p)); return p },
             expected: .openError { MRCError.truncated(path: $0, expected: 768, actual: 668) }),
        Case(name: "directory", make: { p, _ in try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: false); return p },
             expected: .openError { FileError.isDirectory(path: $0) }),
        Case(name: "missing file", make: { p, _ in p }, expected: .openError { FileError.notFound(path: $0) }),
        Case(name: "named pipe (would block a naive reader)", make: { p, _ in _ = mkfifo(p, 0o644); return p },
             expected: .openErrorContaining("named pipe")),
        Case(name: "path under a file", make: { p, g in try g.write(to: URL(fileURLWithPath: p)); return p + "/inside.mrc" },
             expected: .openErrorContaining("cannot read: Not a directory")),
        Case(name: "text file", make: file(Data(String(repeating: "data_\nloop_\n_rlnImageName #1\n", count: 60).utf8)),
             expected: .openError { MRCError.notMRC(path: $0) }),
        Case(name: "PNG file", make: { p, _ in
                 let pixels = (0 ..< 64 * 64 * 3).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
                 try PNGFile.write(pixels, width: 64, height: 64, format: .rgb8, to: p)
                 return p
             }, expected: .openErrorContaining("not an MRC file")),
        Case(name: "zero dimension", make: patch([(0, word(0))]), expected: .openError { MRCError.badDimensions(path: $0, nx: 0, ny: 6, nz: 4) }),
        Case(name: "negative dimension", make: patch([(4, word(-6))]), expected: .openError { MRCError.badDimensions(path: $0, nx: 8, ny: -6, nz: 4) }),
        Case(name: "dimensions overflowing 64 bits", make: patch([(0, word(1 << 30)), (4, word(1 << 30)), (8, word(1 << 30))]),
             expected: .openError { MRCError.dimensionsOverflow(path: $0, nx: 1 << 30, ny: 1 << 30, nz: 1 << 30) }),
        Case(name: "dimensions far beyond the file (4 PB)", make: patch([(0, word(100_000)), (4, word(100_000)), (8, word(100_000))]),
             expected: .openError { MRCError.truncated(path: $0, expected: 4_000_000_000_000_000, actual: 768) }),
        Case(name: "negative NSYMBT", make: patch([(92, word(-4))]), expected: .openError { MRCError.badExtendedHeader(path: $0, nsymbt: -4, fileSize: 1792) }),
        Case(name: "NSYMBT past the end", make: patch([(92, word(5000))]), expected: .openError { MRCError.badExtendedHeader(path: $0, nsymbt: 5000, fileSize: 1792) }),
        Case(name: "NSYMBT leaving too little data", make: patch([(92, word(400))]), expected: .openError { MRCError.truncated(path: $0, expected: 768, actual: 368) }),
        Case(name: "unknown mode", make: patch([(12, word(5))]), expected: .openError { MRCError.unknownMode(path: $0, mode: 5) }),
        Case(name: "unknown mode, no machine stamp", make: patch([(12, word(7)), (212, [0, 0, 0, 0])]),
             expected: .openError { MRCError.unknownMode(path: $0, mode: 7) }),
        Case(name: "bad axis order", make: patch([(64, word(1)), (68, word(1)), (72, word(3))]),
             expected: .openError { MRCError.badAxisOrder(path: $0, mapc: 1, mapr: 1, maps: 3) }),
        Case(name: "corrupt gzip", make: { p, g in
                 var d = Data([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03]); d += Data(repeating: 0xff, count: 300)
                 try d.write(to: URL(fileURLWithPath: p)); return p
             }, expected: .openErrorContaining("cannot decompress: corrupt gzip data")),
        Case(name: "truncated gzip", make: python("import gzip, sys; d = gzip.compress(open(sys.argv[1], 'rb').read()); open(sys.argv[2], 'wb').write(d[:len(d) // 2])"),
             expected: .openErrorContaining("cannot decompress: the gzip stream ends early")),
        Case(name: "truncated bzip2", make: python("import bz2, sys; d = bz2.compress(open(sys.argv[1], 'rb').read()); open(sys.argv[2], 'wb').write(d[:len(d) // 2])"),
             expected: .openErrorContaining("cannot decompress: the bzip2 stream ends early")),
        Case(name: "corrupt bzip2", make: python("import bz2, sys; d = bytearray(bz2.compress(open(sys.argv[1], 'rb').read())); d[20:40] = b'x' * 20; open(sys.argv[2], 'wb').write(bytes(d))"),
             expected: .openErrorContaining("cannot decompress: corrupt bzip2 data")),
        Case(name: "gzip of a truncated MRC", make: python("import gzip, sys; open(sys.argv[2], 'wb').write(gzip.compress(open(sys.argv[1], 'rb').read()[:1500]))"),
             expected: .openError { MRCError.truncated(path: $0, expected: 768, actual: 476) }),
        Case(name: "wrong MAP id", make: patch([(208, Array("PAM ".utf8))]), expected: .problem("map ID is 'PAM ', expected 'MAP '")),
        Case(name: "odd machine stamp", make: patch([(212, [0x12, 0x34, 0, 0])]), expected: .problem("machine stamp 0x12 0x34 0x00 0x00 is not")),
        Case(name: "trailing bytes", make: { p, g in try (g + Data(count: 10)).write(to: URL(fileURLWithPath: p)); return p },
             expected: .problem("10 bytes longer than header, extended header and data require")),
        Case(name: "statistics inconsistent with data", make: patch([(80, Array(withUnsafeBytes(of: Float(99).bitPattern.littleEndian, Array.init)))]),
             expected: .problem("header maximum 99.0 differs from the data's 8.0")),
        Case(name: "RMS inconsistent with data", make: patch([(216, Array(withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian, Array.init)))]),
             expected: .problem("header RMS 0.5 differs")),
        Case(name: "NLABL out of range", make: patch([(220, word(11))]), expected: .problem("NLABL 11 is not between 0 and 10")),
        Case(name: "NVERSION wrong", make: patch([(108, word(0))]), expected: .problem("NVERSION is 0, expected 20140 or 20141")),
        Case(name: "space group out of range", make: patch([(88, word(1000))]), expected: .problem("space group ISPG 1000")),
        Case(name: "negative cell", make: patch([(40, Array(withUnsafeBytes(of: Float(-8).bitPattern.littleEndian, Array.init)))]),
             expected: .problem("cell dimensions -8.0, 6.0, 4.0 Å must not be negative")),
        Case(name: "zero sampling", make: patch([(28, word(0))]), expected: .problem("sampling MX, MY, MZ = 0, 6, 4 must be positive")),
        Case(name: "volume stack with NZ not a multiple of MZ", make: patch([(88, word(401)), (36, word(3))]),
             expected: .problem("volume stack: NZ 4 is not a multiple of MZ 3")),
        Case(name: "FEI1 extended header with a lying record size", make: { p, g in
                 var raw = RawMRC(nx: 8, ny: 6, nz: 4, mode: .float32)
                 raw.header.extType = "FEI1"
                 raw.extended = Data(word(100_000) + [UInt8](repeating: 0, count: 1020))
                 raw.data = g.suffix(768)
                 try raw.bytes().write(to: URL(fileURLWithPath: p)); return p
             }, expected: .problem("invalid FEI extended header: record size 100000 bytes is outside")),
        Case(name: "unknown extended header type", make: { p, g in
                 var raw = RawMRC(nx: 8, ny: 6, nz: 4, mode: .float32)
                 raw.header.extType = "ZZZZ"
                 raw.extended = Data(count: 16)
                 raw.data = g.suffix(768)
                 try raw.bytes().write(to: URL(fileURLWithPath: p)); return p
             }, expected: .warning("extended header type 'ZZZZ' is not one of")),
        Case(name: "NaN in the data", make: { p, g in
                 var d = g
                 d.replaceSubrange(1024 ..< 1028, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian, Array.init))
                 try d.write(to: URL(fileURLWithPath: p)); return p
             }, expected: .warning("data contain NaN or infinite values")),
    ]

    @Test func everyBrokenFileGivesItsOwnOneLineError() throws {
        let dir = TestEnv.temporaryDirectory("mrc-broken")
        defer { TestEnv.removeTemporary(dir) }
        let good = try Self.goodFile()
        try good.write(to: URL(fileURLWithPath: dir + "/good.mrc"))
        #expect(MRCValidator.validate(dir + "/good.mrc") == [], "the file the corpus starts from is valid")
        #expect(Self.cases.count >= 30)
        for (i, c) in Self.cases.enumerated() {
            let path = try c.make("\(dir)/case\(i).mrc", good)
            switch c.expected {
            case .openError(let make):
                let want = make(path)
                do {
                    _ = try MRCFile.open(path)
                    Issue.record("\(c.name): opened without error")
                } catch {
                    #expect(String(describing: error) == String(describing: want), "\(c.name)")
                    #expect(type(of: error) == type(of: want), "\(c.name)")
                    check(error, names: path, c.name)
                }
                expectValidatorRejects(path, c.name)
            case .openErrorContaining(let phrase):
                do {
                    _ = try MRCFile.open(path)
                    Issue.record("\(c.name): opened without error")
                } catch {
                    #expect(error is FileError || error is MRCError, "\(c.name)")
                    #expect(String(describing: error).contains(phrase), "\(c.name): \(error)")
                    check(error, names: path, c.name)
                }
                expectValidatorRejects(path, c.name)
            case .problem(let phrase):
                let problems = MRCValidator.validate(path)
                #expect(problems.contains { $0.severity == .error && $0.message.contains(phrase) && $0.message.hasPrefix(path + ": ") },
                        "\(c.name): \(problems.map(\.message))")
            case .warning(let phrase):
                let problems = MRCValidator.validate(path)
                #expect(problems.contains { $0.severity == .warning && $0.message.contains(phrase) && $0.message.hasPrefix(path + ": ") },
                        "\(c.name): \(problems.map(\.message))")
            }
        }
    }

    /// One line, starting with the path.
    func check(_ error: Error, names path: String, _ name: String) {
        let text = String(describing: error)
        #expect(text.hasPrefix(path + ": ") && !text.contains("\n"), "\(name): \(text)")
    }

    func expectValidatorRejects(_ path: String, _ name: String) {
        let problems = MRCValidator.validate(path)
        #expect(problems.contains { $0.severity == .error && $0.message.hasPrefix(path + ": ") }, "\(name)")
    }

    @Test func unreadableFileIsPermissionDeniedOrReadableAsRoot() throws {
        let dir = TestEnv.temporaryDirectory("mrc-perm")
        defer { chmod(dir + "/locked.mrc", 0o644); TestEnv.removeTemporary(dir) }
        let path = dir + "/locked.mrc"
        try Self.goodFile().write(to: URL(fileURLWithPath: path))
        chmod(path, 0)
        if access(path, R_OK) == 0 {
            // Root (or CAP_DAC_OVERRIDE) reads anyway: then so must we; the FIFO and path-under-a-file cases
            // above cover unreadable paths in that situation.
            #expect(getuid() == 0)
            #expect(try MRCFile.open(path).header.nx == 8)
        } else {
            #expect(throws: FileError.permissionDenied(path: path)) { try MRCFile.open(path) }
        }
    }

    @Test func lyingDimensionsFailBeforeAnyLargeAllocation() throws {
        let dir = TestEnv.temporaryDirectory("mrc-lie")
        defer { TestEnv.removeTemporary(dir) }
        // 65536² × 4096 float32 = 64 TiB claimed by a 2 KB file: open must refuse it from the sizes alone.
        let lie = Self.patched(try Self.goodFile(), [(0, word(65536)), (4, word(65536)), (8, word(4096))])
        let path = dir + "/lie.mrc"
        try lie.write(to: URL(fileURLWithPath: path))
        #expect(throws: MRCError.truncated(path: path, expected: 65536 * 65536 * 4096 * 4, actual: 768)) { try MRCFile.open(path) }
        // The same lie inside a gzip file: decompression stops at the real data, then the same error.
        try TestEnv.python("import gzip, sys; open(sys.argv[2], 'wb').write(gzip.compress(open(sys.argv[1], 'rb').read()))", [path, path + ".gz"])
        #expect(throws: MRCError.truncated(path: path + ".gz", expected: 65536 * 65536 * 4096 * 4, actual: 768)) { try MRCFile.open(path + ".gz") }
        // With trailing bytes refused, a long file is an error too.
        try (Self.goodFile() + Data(count: 3)).write(to: URL(fileURLWithPath: path))
        #expect(throws: MRCError.trailingBytes(path: path, extra: 3)) { try MRCFile.open(path, options: MRCReadOptions(allowTrailingBytes: false)) }
    }

    @Test func gzipAndBzip2FilesReadLikeThePlainFile() throws {
        let dir = TestEnv.temporaryDirectory("mrc-z")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: 20, noise: 0.1)
        try MRCWriter.write(v, to: dir + "/m.mrc", options: MRCWriteOptions(mode: .int16, byteOrder: .big, scaling: .fit))
        try TestEnv.python("""
        import gzip, bz2, sys
        d = open(sys.argv[1], 'rb').read()
        open(sys.argv[1] + '.gz', 'wb').write(gzip.compress(d))
        open(sys.argv[1].replace('.mrc', '.map') + '.bz2', 'wb').write(bz2.compress(d))
        half = len(d) // 2
        open(sys.argv[1] + '.multi.gz', 'wb').write(gzip.compress(d[:half]) + gzip.compress(d[half:]))
        """, [dir + "/m.mrc"])
        let plain = try MRCFile.open(dir + "/m.mrc")
        let reference = try plain.readVolume().data
        for (name, compression) in [("m.mrc.gz", FileBytes.Compression.gzip), ("m.map.bz2", .bzip2), ("m.mrc.multi.gz", .gzip)] {
            let f = try MRCFile.open("\(dir)/\(name)")
            #expect(f.compression == compression, "\(name)")
            #expect(f.header == plain.header, "\(name)")
            #expect(try f.readVolume().data == reference, "\(name)")
            #expect(try f.statistics() == plain.statistics(), "\(name)")
            #expect(MRCValidator.validate("\(dir)/\(name)") == [], "\(name)")
        }
    }
}
