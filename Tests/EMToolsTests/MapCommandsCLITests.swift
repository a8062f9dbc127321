import EMCore
import Foundation
import Testing
import TestSupport

/// Transcripts of `emtools header`, `stats`, `validate` and `convert` on many files at once, with globs,
/// broken files, JSON equal to the library's numbers, exit statuses and the progress bar (terminal only).
@Suite struct MapCommandsCLITests {
    let emtools = TestEnv.product("emtools")

    /// `count` phantom maps m1.mrc … in a new folder (different noise seeds).
    func maps(_ dir: String, count: Int, size: Int = 16) throws -> [String] {
        try (1 ... count).map { i in
            let p = dir + "/m\(i).mrc"
            let r = try TestEnv.run(emtools, ["phantom", p, "--size", "\(size)", "--angpix", "1.25", "--noise", "0.1", "--seed", "\(i)"])
            if r.status != 0 { throw TestFailure("phantom failed: \(r.stderr)") }
            return p
        }
    }

    /// A copy of `path` cut to `bytes` bytes.
    func truncated(_ path: String, to bytes: Int, as name: String) throws -> String {
        let out = (path as NSString).deletingLastPathComponent + "/" + name
        try Data(contentsOf: URL(fileURLWithPath: path)).prefix(bytes).write(to: URL(fileURLWithPath: out))
        return out
    }

    /// `emtools phantom --seed N` writes the same voxels whatever the thread count.
    @Test func phantomNoiseDoesNotDependOnTheThreadCount() throws {
        let dir = TestEnv.temporaryDirectory("cli-phantom-threads")
        defer { TestEnv.removeTemporary(dir) }
        var voxels: [[Float]] = []
        for threads in ["1", "2", "3"] {
            let p = dir + "/t\(threads).mrc"
            let r = try TestEnv.run(emtools, ["phantom", p, "--size", "20", "--noise", "0.3", "--seed", "7"],
                                    environment: ["EMTOOLS_THREADS": threads])
            #expect(r.status == 0, "\(r.stderr)")
            voxels.append(try MRCFile.open(p).readVolume().data)
        }
        #expect(voxels[0] == voxels[1] && voxels[1] == voxels[2])
        #expect(Set(voxels[0]).count > 1000)   // noisy, not constant
    }

    @Test func headerTakesManyFilesAndQuotedGlobs() throws {
        let dir = TestEnv.temporaryDirectory("cli-many")
        defer { TestEnv.removeTemporary(dir) }
        let files = try maps(dir, count: 5)
        let r = try TestEnv.run(emtools, ["header", dir + "/m*.mrc", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try JSONDecoder().decode([MRCSummary].self, from: r.stdoutData)
        #expect(rows.map(\.file) == files)
        #expect(rows.allSatisfy { $0.size == [16, 16, 16] && abs($0.voxelSizeAngstrom[0] - 1.25) < 1e-6 && $0.modeName == "float32" })
        let table = try TestEnv.run(emtools, ["header", files[0], files[1]])
        #expect(table.status == 0)
        #expect(table.stdout.contains("File                   \(files[0])") && table.stdout.contains("File                   \(files[1])"))
        #expect(table.stdout.contains("Dimensions (x, y, z)   16 × 16 × 16"))
        // A glob that matches nothing is reported by name.
        let none = try TestEnv.run(emtools, ["header", dir + "/zz*.mrc"])
        #expect(none.status == 1 && none.stderr == "emtools: \(dir)/zz*.mrc: no such file\n")
    }

    @Test func badFilesAmongGoodOnesAreOneLineEachAndTheGoodOnesStillPrint() throws {
        let dir = TestEnv.temporaryDirectory("cli-mixed")
        defer { TestEnv.removeTemporary(dir) }
        let files = try maps(dir, count: 2)
        let cut = try truncated(files[1], to: 1000, as: "cut.mrc")
        for command in ["header", "stats"] {
            let r = try TestEnv.run(emtools, [command, files[0], dir + "/missing.mrc", cut, files[1], "--json"])
            #expect(r.status == 1)
            #expect(r.stderr.split(separator: "\n") == ["emtools: \(dir)/missing.mrc: no such file",
                                                        "emtools: \(cut): not an MRC file: 1000 bytes is shorter than the 1024-byte MRC header"])
            let json = try JSONSerialization.jsonObject(with: r.stdoutData) as? [[String: Any]]
            #expect(json?.compactMap { $0["file"] as? String } == [files[0], files[1]], "\(command)")
        }
        // A directory and an empty file.
        #expect(FileManager.default.createFile(atPath: dir + "/empty.mrc", contents: Data()))
        let r = try TestEnv.run(emtools, ["stats", dir, dir + "/empty.mrc"])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains(dir) && lines[1].contains("empty.mrc"))
    }

    @Test func statsJSONEqualsTheLibrarysNumbers() throws {
        let dir = TestEnv.temporaryDirectory("cli-stats")
        defer { TestEnv.removeTemporary(dir) }
        let files = try maps(dir, count: 3)
        struct Row: Decodable { let file: String; let min: Float; let max: Float; let mean: Double; let rms: Double; let voxels: Int }
        let r = try TestEnv.run(emtools, ["stats", "--json"] + files)
        #expect(r.status == 0)
        let rows = try JSONDecoder().decode([Row].self, from: r.stdoutData)
        #expect(rows.count == 3)
        for (row, path) in zip(rows, files) {
            let s = try MRCFile.open(path).statistics()
            #expect(row.file == path && row.min == s.min && row.max == s.max && row.mean == s.mean && row.rms == s.rms && row.voxels == 4096)
        }
        let table = try TestEnv.run(emtools, ["stats"] + files)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first == "file\tmin\tmax\tmean\trms\tvoxels" && lines.count == 4)
        #expect(lines[1].split(separator: "\t").first.map(String.init) == files[0])
    }

    @Test func validateExitStatusTellsValidFromInvalid() throws {
        let dir = TestEnv.temporaryDirectory("cli-validate-many")
        defer { TestEnv.removeTemporary(dir) }
        let files = try maps(dir, count: 2)
        let good = try TestEnv.run(emtools, ["validate"] + files)
        #expect(good.status == 0 && good.stdout == files.map { "\($0): valid\n" }.joined())
        // A header whose maximum (word 21, byte 80) lies about the data.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: files[1]))
        withUnsafeBytes(of: Float(10).bitPattern.littleEndian) { bytes.replaceSubrange(80 ..< 84, with: $0) }
        let lying = dir + "/lying.mrc"
        try bytes.write(to: URL(fileURLWithPath: lying))
        let cut = try truncated(files[0], to: 3000, as: "cut.mrc")
        let bad = try TestEnv.run(emtools, ["validate", files[0], lying, cut, "--json"])
        #expect(bad.status == 1)
        struct Result: Decodable { let file: String; let valid: Bool; let problems: [MRCProblem] }
        let results = try JSONDecoder().decode([Result].self, from: bad.stdoutData)
        #expect(results.map(\.valid) == [true, false, false])
        #expect(results[1].problems.contains { $0.message.contains("header maximum 10.0 differs from the data's") })
        #expect(!results[2].problems.isEmpty)
        let text = try TestEnv.run(emtools, ["validate", lying])
        #expect(text.status == 1 && text.stdout.hasPrefix("\(lying): INVALID\n  error: "))
    }

    @Test func convertWritesFloat16Int16AndFloat32ThatMrcfileReads() throws {
        let dir = TestEnv.temporaryDirectory("cli-convert")
        defer { TestEnv.removeTemporary(dir) }
        let src = try maps(dir, count: 1)[0]
        let original = try MRCFile.open(src).readVolume()
        for (mode, code, extra) in [("float16", 12, [String]()), ("int16", 1, ["--rescale"]), ("float32", 2, ["--byte-order", "big"])] {
            let out = dir + "/out-\(mode).mrc"
            let r = try TestEnv.run(emtools, ["convert", src, out, "--mode", mode, "--json"] + extra)
            #expect(r.status == 0, "\(mode): \(r.stderr)")
            let summary = try JSONDecoder().decode(MRCSummary.self, from: r.stdoutData)
            #expect(summary.mode == Int32(code) && summary.size == [16, 16, 16] && abs(summary.voxelSizeAngstrom[0] - 1.25) < 1e-6)
            let back = try MRCFile.open(out).readVolume()
            // Correlation with the original: float16 and rescaled int16 keep the map's detail.
            let c = correlation(original.data, back.data)
            #expect(c > 0.99999, "\(mode): correlation \(c)")
            if mode == "float32" { #expect(back.data == original.data && summary.byteOrder == "big") }
            // mrcfile, validating, reads the same values.
            let peer = try TestEnv.python("""
            import sys, mrcfile, numpy as np
            with mrcfile.open(sys.argv[1], permissive=False) as m:
                print(m.header.mode, float(np.asarray(m.data, dtype=np.float64).sum()), mrcfile.validate(sys.argv[1], print_file=open('/dev/null', 'w')))
            """, [out])
            let parts = peer.split(separator: " ")
            #expect(Int(parts[0]) == code && parts[2].hasPrefix("True"), "\(mode): \(peer)")
            let sum = back.data.reduce(0.0) { $0 + Double($1) }
            #expect(abs(Double(parts[1])! - sum) <= 1e-6 * max(1, abs(sum)), "\(mode)")
        }
    }

    @Test func convertRefusesValuesThatDoNotFitAndLeavesNoOutput() throws {
        let dir = TestEnv.temporaryDirectory("cli-convert-bad")
        defer { TestEnv.removeTemporary(dir) }
        let big = dir + "/big.mrc"
        #expect(try TestEnv.run(emtools, ["phantom", big, "--size", "16", "--noise", "100000"]).status == 0)
        for mode in ["int16", "float16"] {
            let out = dir + "/out.mrc"
            let r = try TestEnv.run(emtools, ["convert", big, out, "--mode", mode])
            #expect(r.status == 1 && r.stderr.split(separator: "\n").count == 1, "\(mode): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["big.mrc"])
        // Fractional values into an integer mode without --rescale: written, with a warning.
        let small = try maps(dir, count: 1)[0]
        let r = try TestEnv.run(emtools, ["convert", small, dir + "/i16.mrc", "--mode", "int16"])
        #expect(r.status == 0 && r.stderr.contains("rounded") && r.stderr.contains("--rescale"))
        let usage = try TestEnv.run(emtools, ["convert", small, dir + "/x.mrc", "--mode", "float64"])
        #expect(usage.status == 64 && usage.stderr.contains("float32, float16, int16"))
        let missing = try TestEnv.run(emtools, ["convert", dir + "/none.mrc", dir + "/x.mrc"])
        #expect(missing.status == 1 && missing.stderr == "emtools: \(dir)/none.mrc: no such file\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.mrc"))
    }

    /// The progress bar appears on a terminal (run under `script`, which gives the program a pseudo-terminal)
    /// and never when output is piped.
    @Test func progressBarOnlyOnATerminal() throws {
        let dir = TestEnv.temporaryDirectory("cli-progress")
        defer { TestEnv.removeTemporary(dir) }
        let files = try maps(dir, count: 6, size: 8)
        let piped = try TestEnv.run(emtools, ["stats"] + files)
        #expect(piped.status == 0 && piped.stderr.isEmpty && !piped.stdout.contains("█"))
        let command = ([emtools, "stats"] + files).joined(separator: " ")
        let tty = try TestEnv.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(tty.status == 0, "\(tty.stderr)")
        #expect(tty.stdout.contains("stats ") && tty.stdout.contains("█") && tty.stdout.contains("/6"))
        // Every file's row is still there, and the bar is erased at the end.
        #expect(files.allSatisfy { tty.stdout.contains($0 + "\t") })
        #expect(tty.stdout.contains("\r\u{1b}[K"))
    }

    func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            let dx = Double(x) - ma, dy = Double(y) - mb
            sab += dx * dy; saa += dx * dx; sbb += dy * dy
        }
        return sab / (saa * sbb).squareRoot()
    }
}
