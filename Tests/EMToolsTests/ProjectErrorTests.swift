import EMCore
import Foundation
import Testing
import TestSupport

/// Bad input to `emtools project` and `emtools slice`: one line per problem naming the file, exit status 1
/// (64 for bad usage), and no PNG — whole or partial, or a temporary file — left behind.
@Suite(.serialized) struct ProjectErrorTests {
    let emtools = TestEnv.product("emtools")

    func phantom(_ path: String) throws {
        #expect(try TestEnv.run(emtools, ["phantom", path, "--size", "24"]).status == 0)
    }

    /// Every entry of `dir`, hidden ones included (AtomicFile's temporary files start with a dot).
    func entries(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    @Test func missingAndTruncatedMapsAreOneLineEachAndTheGoodOneIsStillDone() throws {
        let dir = TestEnv.temporaryDirectory("cli-proj-bad")
        defer { TestEnv.removeTemporary(dir) }
        let good = dir + "/good.mrc", cut = dir + "/cut.mrc", missing = dir + "/missing.mrc"
        try phantom(good)
        let data = try Data(contentsOf: URL(fileURLWithPath: good))
        try data.prefix(data.count - 500).write(to: URL(fileURLWithPath: cut))
        let r = try TestEnv.run(emtools, ["project", missing, cut, good])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(r.stderr)")
        #expect(lines.contains("emtools: \(missing): no such file"))
        #expect(lines.contains { $0.hasPrefix("emtools: \(cut): truncated") })
        #expect(try entries(dir) == ["cut.mrc", "good.mrc", "good_proj_z.png"])
        #expect(r.stdout.hasPrefix(dir + "/good_proj_z.png"))
    }

    @Test func notAMapAndSliceOutOfRangeLeaveNoPicture() throws {
        let dir = TestEnv.temporaryDirectory("cli-proj-bad2")
        defer { TestEnv.removeTemporary(dir) }
        let text = dir + "/notes.mrc", map = dir + "/map.mrc"
        try String(repeating: "not a map\n", count: 200).write(toFile: text, atomically: true, encoding: .utf8)
        try phantom(map)
        let r = try TestEnv.run(emtools, ["project", text])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("emtools: \(text): "), "\(r.stderr)")
        let s = try TestEnv.run(emtools, ["slice", map, "--axis", "y", "--index", "24"])
        #expect(s.status == 1)
        #expect(s.stderr == "emtools: \(map): slice index 24 along y is outside 0…23\n")
        #expect(try entries(dir) == ["map.mrc", "notes.mrc"])
    }

    @Test func aPictureThatCannotBeWrittenLeavesNothingBehind() throws {
        let dir = TestEnv.temporaryDirectory("cli-proj-unwritable")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc"
        try phantom(map)
        // A folder where the picture should go: the encoded PNG cannot be renamed over it.
        let blocked = dir + "/map_proj_z.png"
        try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: false)
        let r = try TestEnv.run(emtools, ["project", map])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("emtools: \(blocked): cannot write"), "\(r.stderr)")
        #expect(try entries(dir) == ["map.mrc", "map_proj_z.png"], "no temporary file left")
        #expect(try entries(blocked).isEmpty)
        // A missing output folder.
        let nowhere = dir + "/no/such/folder/p.png"
        let r2 = try TestEnv.run(emtools, ["project", map, "--out", nowhere])
        #expect(r2.status == 1)
        #expect(r2.stderr.hasPrefix("emtools: \(nowhere): cannot write"), "\(r2.stderr)")
    }

    @Test func aTwoDimensionalImageHasAxisViewsButNoOrientedOnes() throws {
        let dir = TestEnv.temporaryDirectory("cli-proj-2d")
        defer { TestEnv.removeTemporary(dir) }
        let image = dir + "/image.mrc"
        try MRCWriter.write(Volume(size: GridSize(16, 12, 1), repeating: 1), to: image)
        let ok = try TestEnv.run(emtools, ["project", image, "--axis", "all"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try entries(dir) == ["image.mrc", "image_proj_x.png", "image_proj_y.png", "image_proj_z.png"])
        #expect(try PNGFile.read(dir + "/image_proj_x.png").height == 1)
        let r = try TestEnv.run(emtools, ["project", image, "--angles", "0,30,0", "--out", dir + "/tilted.png"])
        #expect(r.status == 1)
        #expect(r.stderr == "emtools: \(image): a 16×12×1 map is too thin for an oriented projection (needs at least 2 voxels along each axis)\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/tilted.png"))
    }

    @Test func twoMapsOfTheSameNameCannotShareAFolder() throws {
        let dir = TestEnv.temporaryDirectory("cli-proj-clash")
        defer { TestEnv.removeTemporary(dir) }
        for sub in ["job012", "job013", "out"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        let a = dir + "/job012/run_class001.mrc", b = dir + "/job013/run_class001.mrc"
        try phantom(a)
        try phantom(b)
        let r = try TestEnv.run(emtools, ["project", a, b, "--out", dir + "/out"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("\(a) and \(b) would both write run_class001_….png"), "\(r.stderr)")
        #expect(try entries(dir + "/out").isEmpty)
        // Next to each map there is no clash.
        #expect(try TestEnv.run(emtools, ["project", a, b]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/job013/run_class001_proj_z.png"))
    }

    @Test func aGalleryWithABadMapIsNotWritten() throws {
        let dir = TestEnv.temporaryDirectory("cli-gallery-bad")
        defer { TestEnv.removeTemporary(dir) }
        let a = dir + "/a.mrc", b = dir + "/b.mrc", out = dir + "/g.png"
        try phantom(a)
        try Data(count: 100).write(to: URL(fileURLWithPath: b))
        let r = try TestEnv.run(emtools, ["project", a, b, "--gallery", out])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(r.stderr)")
        #expect(lines[0].hasPrefix("emtools: \(b): "))
        #expect(lines[1] == "emtools: \(out): not written, 1 of 2 maps could not be read")
        #expect(try entries(dir) == ["a.mrc", "b.mrc"])
        // A model.star without the class table names the file.
        let star = dir + "/model.star"
        try "data_model_general\n\n_rlnNrClasses 1\n".write(toFile: star, atomically: true, encoding: .utf8)
        let r2 = try TestEnv.run(emtools, ["project", a, "--gallery", out, "--model", star])
        #expect(r2.status != 0)
        #expect(r2.stderr.contains(star), "\(r2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(arguments: [
        (["--axis", "w"], "--axis must be x, y, z or all"),
        (["--angles", "30,60"], "--angles '30,60': give three numbers"),
        (["--bits", "12"], "--bits must be 8 or 16"),
        (["--contrast", "median"], "--contrast 'median'"),
        (["--contrast", "percentile:99,1"], "--contrast 'percentile:99,1'"),
        (["--size", "0"], "--size must be between 1 and 65536"),
        (["--rows", "sideways"], "--rows must be y-up or y-down"),
        (["--gallery", "g.png", "--bits", "16"], "a gallery is an 8-bit RGB PNG"),
        (["--gallery", "g.png", "--out", "x.png"], "--out and --gallery"),
        (["--columns", "3"], "only apply with --gallery"),
        (["--axis", "all", "--out", "one.png"], "names one file but 3 pictures would be written"),
    ])
    func badUsageIsExit64WithTheReason(_ args: [String], _ message: String) throws {
        let dir = TestEnv.temporaryDirectory("cli-usage")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc"
        try phantom(map)
        let r = try TestEnv.run(emtools, ["project", map] + args, currentDirectory: dir)
        #expect(r.status == 64, "\(args): status \(r.status) \(r.stderr)")
        #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        #expect(try entries(dir) == ["map.mrc"])
    }

    @Test func sliceUsageErrors() throws {
        let r = try TestEnv.run(emtools, ["slice", "map.mrc", "--index=-3"])
        #expect(r.status == 64 && r.stderr.contains("--index must be 0 or more"), "\(r.stderr)")
        let r2 = try TestEnv.run(emtools, ["slice", "map.mrc", "--axis", "q"])
        #expect(r2.status == 64 && r2.stderr.contains("--axis must be x, y, z or all"), "\(r2.stderr)")
    }

    /// A map truncated by another process while `emtools project` runs, at times spread over a whole run: the
    /// process never dies of a signal (SIGBUS on the vanished pages), and each run either succeeds with a whole
    /// picture of the right size, or fails with one line naming the file (`truncated` when the cut came
    /// before the header was checked, `shrank while it was being read` when it came during the pass) and
    /// leaves no PNG or temporary file behind.
    @Test func aMapTruncatedDuringTheRunNeverCrashesAndNeverLeavesAPicture() throws {
        let dir = TestEnv.temporaryDirectory("cli-proj-shrink")
        defer { TestEnv.removeTemporary(dir) }
        let source = dir + "/source.mrc"
        #expect(try TestEnv.run(emtools, ["phantom", source, "--size", "192"]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let map = dir + "/map.mrc", out = dir + "/pictures", png = out + "/map.png"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)

        func start() throws -> Process {
            try bytes.write(to: URL(fileURLWithPath: map))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: emtools)
            p.arguments = ["project", map, "--out", png]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = Pipe()
            try p.run()
            return p
        }
        // How long one untroubled run takes, to spread the cuts over it.
        let t0 = Date()
        let whole = try start()
        whole.waitUntilExit()
        #expect(whole.terminationStatus == 0)
        let full = Date().timeIntervalSince(t0)
        try FileManager.default.removeItem(atPath: png)

        var failures = 0
        for k in 0 ..< 12 {
            let p = try start()
            usleep(useconds_t(full * Double(k) / 12 * 1e6))
            #expect(truncate(map, off_t(1024 + bytes.count / 3)) == 0)
            let err = (p.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let stderr = String(decoding: err, as: UTF8.self)
            #expect(p.terminationReason == .exit, "run \(k) died of signal \(p.terminationStatus): \(stderr)")
            if p.terminationStatus == 0 {
                let picture = try PNGFile.read(png)
                #expect(picture.width == 192 && picture.height == 192)
                try FileManager.default.removeItem(atPath: png)
            } else {
                failures += 1
                #expect(p.terminationStatus == 1)
                let lines = stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("emtools: \(map): "), "\(stderr)")
                #expect(stderr.contains("shrank while it was being read") || stderr.contains("truncated"), "\(stderr)")
            }
            let left = try entries(out)
            #expect(left.isEmpty, "run \(k) left \(left)")
        }
        // The earliest cuts land before the header is even read: the race was really run.
        #expect(failures > 0)
    }
}
