import EMCore
import Foundation
import Testing
import TestSupport

/// Transcripts of `emtools star`: summaries, selections, counts, conversions, merges, pipes and bad input.
@Suite struct STARCommandTests {
    let emtools = TestEnv.product("emtools")
    static let fixtures = TestEnv.repoRoot + "/Tests/EMCoreTests/Fixtures/STAR/"
    var particles: String { Self.fixtures + "relion31_particles.star" }

    /// A RELION 3.1 particle file with `rows` rows; class = row % 4 + 1, tilt = row % 180.
    func makeParticles(_ dir: String, rows: Int, name: String = "p.star", micrograph: String = "mic") throws -> String {
        var t = "\n# version 30001\n\ndata_optics\n\nloop_ \n_rlnOpticsGroupName #1 \n_rlnOpticsGroup #2 \nopticsGroup1            1 \n \n"
        t += "\n# version 30001\n\ndata_particles\n\nloop_ \n_rlnImageName #1 \n_rlnMicrographName #2 \n_rlnClassNumber #3 \n_rlnAngleTilt #4 \n"
        for r in 0 ..< rows {
            t += String(format: "%06d@Extract/a.mrcs %@%d.mrc %12d %12.6f \n", r + 1, micrograph, r % 3, r % 4 + 1, Double(r % 180))
        }
        t += " \n"
        let path = dir + "/" + name
        try t.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func summaryListsBlocksRowsAndColumnStatistics() throws {
        let r = try TestEnv.run(emtools, ["star", particles])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "\(particles): 2 blocks")
        #expect(lines.contains("data_optics: loop of 1 row × 7 columns"))
        #expect(lines.contains("data_particles: loop of 20 rows × 7 columns"))
        #expect(lines.contains("  rlnOpticsGroupName      string"))
        #expect(lines.contains("  rlnImagePixelSize       double  min 2  max 2  mean 2"))
        #expect(lines.contains("  rlnImageName    string"))
        let doc = try STARDocument.read(particles)
        let tilt = try doc.requireBlock("particles").requireTable().doubles("rlnAngleTilt")
        let expected = String(format: "  rlnAngleTilt    double  min %.6g  max %.6g  mean %.6g", tilt.min()!, tilt.max()!, tilt.reduce(0, +) / Double(tilt.count))
        #expect(lines.contains(expected), "\(r.stdout)")
    }

    @Test func summaryJSONHasPairsAndTables() throws {
        let r = try TestEnv.run(emtools, ["star", Self.fixtures + "relion40_default_pipeline.star", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: r.stdoutData) as! [String: Any]
        let blocks = o["blocks"] as! [[String: Any]]
        #expect(blocks.map { $0["name"] as! String }.first == "pipeline_general")
        #expect((blocks[0]["pairs"] as! [[String: String]]).first?["value"] == "4")
        let processes = (blocks[1]["tables"] as! [[String: Any]])[0]
        #expect(processes["rows"] as? Int == 3)
        #expect(blocks[1]["version"] as? Int == 30001)
    }

    @Test func whereSelectsRowsAndKeepsOptics() throws {
        let dir = TestEnv.temporaryDirectory("cli-star-where")
        defer { TestEnv.removeTemporary(dir) }
        let p = try makeParticles(dir, rows: 400)
        let out = dir + "/class3.star"
        let r = try TestEnv.run(emtools, ["star", p, "--where", "rlnClassNumber==3", "--out", out])
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r.stderr)")
        let doc = try STARDocument.read(out)
        #expect(doc.blocks.map(\.name) == ["optics", "particles"])
        let t = try doc.requireBlock("particles").requireTable()
        #expect(t.rowCount == 100)
        #expect(try t.ints("rlnClassNumber").allSatisfy { $0 == 3 })
        // Several conditions are ANDed; numbers compare as numbers, other values as text.
        let csv = try TestEnv.run(emtools, ["star", p, "--where", "rlnClassNumber>=2", "--where", "rlnAngleTilt<10",
                                            "--where", "rlnMicrographName!=mic0.mrc", "--columns", "rlnAngleTilt,_rlnClassNumber", "--to", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n").map(String.init)
        #expect(rows[0] == "rlnAngleTilt,rlnClassNumber")
        var expected: [String] = []
        for r in 0 ..< 400 {
            let cls = r % 4 + 1, tilt = Double(r % 180)
            if cls >= 2 && tilt < 10 && r % 3 != 0 { expected.append(String(format: "%.6f,%d", tilt, cls)) }
        }
        #expect(Array(rows.dropFirst()) == expected)
        let le = try TestEnv.run(emtools, ["star", p, "--where", "rlnAngleTilt <= 1", "--where", "rlnMicrographName>mic1.mrc", "--to", "csv", "--columns", "rlnImageName"])
        var expectedLE: [String] = []
        for r in 0 ..< 400 where r % 180 <= 1 && r % 3 == 2 { expectedLE.append(String(format: "%06d@Extract/a.mrcs", r + 1)) }
        #expect(le.stdout.split(separator: "\n").dropFirst().map(String.init) == expectedLE)
    }

    @Test func countByAndJSON() throws {
        let dir = TestEnv.temporaryDirectory("cli-star-count")
        defer { TestEnv.removeTemporary(dir) }
        let p = try makeParticles(dir, rows: 403)
        let r = try TestEnv.run(emtools, ["star", p, "--count-by", "rlnClassNumber"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "rlnClassNumber  count\n1               101\n2               101\n3               101\n4               100\n")
        let j = try TestEnv.run(emtools, ["star", p, "--count-by", "rlnMicrographName", "--where", "rlnClassNumber==1", "--json"])
        let counts = try JSONSerialization.jsonObject(with: j.stdoutData) as! [[String: Any]]
        #expect(counts.map { $0["value"] as! String } == ["mic0.mrc", "mic1.mrc", "mic2.mrc"])
        #expect(counts.map { $0["count"] as! Int }.reduce(0, +) == 101)
        let rows = try TestEnv.run(emtools, ["star", p, "--where", "rlnAngleTilt==7", "--to", "json"])
        let objects = try JSONSerialization.jsonObject(with: rows.stdoutData) as! [[String: Any]]
        #expect(objects.count == 3)
        #expect(objects[0]["rlnAngleTilt"] as? Double == 7 && objects[0]["rlnClassNumber"] as? Int == 4)
        #expect(objects[0]["rlnImageName"] as? String == "000008@Extract/a.mrcs")
    }

    @Test func mergeTablesWithTheSameColumns() throws {
        let dir = TestEnv.temporaryDirectory("cli-star-merge")
        defer { TestEnv.removeTemporary(dir) }
        let a = try makeParticles(dir, rows: 30, name: "a.star", micrograph: "a")
        let b = try makeParticles(dir, rows: 20, name: "b.star", micrograph: "b")
        let out = dir + "/m.star"
        let r = try TestEnv.run(emtools, ["star", a, b, "--merge", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try STARDocument.read(out).requireBlock("particles").requireTable()
        #expect(t.rowCount == 50)
        #expect(try t.strings("rlnMicrographName").prefix(30).allSatisfy { $0.hasPrefix("a") })
        #expect(try t.strings("rlnMicrographName").suffix(20).allSatisfy { $0.hasPrefix("b") })
        // Merging a file whose table has other columns is refused, and nothing is written.
        let bad = try TestEnv.run(emtools, ["star", a, Self.fixtures + "relion31_particles.star", "--merge", "--out", dir + "/n.star"])
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("emtools: ") && bad.stderr.contains("relion31_particles.star") && bad.stderr.contains("same columns"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/n.star"))
    }

    @Test func rewritingARelionFileIsIdentical() throws {
        let r = try TestEnv.run(emtools, ["star", Self.fixtures + "relion31_run_model.star", "--to", "star"])
        #expect(r.stdoutData == (try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "relion31_run_model.star"))))
    }

    @Test func closedPipeEndsQuietly() throws {
        let dir = TestEnv.temporaryDirectory("cli-star-pipe")
        defer { TestEnv.removeTemporary(dir) }
        let p = try makeParticles(dir, rows: 60_000)
        for format in ["csv", "star", "json"] {
            let r = try TestEnv.run("/bin/bash", ["-c", "set -o pipefail; '\(emtools)' star '\(p)' --to \(format) | head -n 2; echo status=$?"])
            #expect(r.stderr.isEmpty, "\(format): \(r.stderr)")
            #expect(r.stdout.hasSuffix("status=0\n"), "\(format): \(r.stdout)")
        }
    }

    @Test func badInputGivesOneLineWithFileLineAndColumn() throws {
        let dir = TestEnv.temporaryDirectory("cli-star-bad")
        defer { TestEnv.removeTemporary(dir) }
        let cases: [(String, [UInt8], String)] = [
            ("short.star", Array("data_p\nloop_\n_rlnA #1\n_rlnB #2\n1 2\n3\n".utf8), "short.star:6:2: loop row has 1 values but the loop has 2 columns"),
            ("quote.star", Array("data_p\n_rlnName 'unclosed\n".utf8), "quote.star:2:10: quoted value is not closed on this line"),
            ("empty_loop.star", Array("data_p\nloop_\n1 2\n".utf8), "empty_loop.star:2:1: loop_ has no column names"),
            ("garbage.star", [0x1f, 0x8c, 0x00, 0x42, 0xff, 0x07] + Array(repeating: 0, count: 64), "garbage.star:1:1: binary data (not a text STAR file)"),
        ]
        for (name, bytes, message) in cases {
            let path = dir + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            for args in [["star", path], ["star", path, "--to", "csv"]] {
                let r = try TestEnv.run(emtools, args)
                #expect(r.status == 1, "\(name)")
                #expect(r.stderr == "emtools: \(path.replacingOccurrences(of: name, with: ""))\(message)\n", "\(r.stderr)")
                #expect(r.stdout.isEmpty)
            }
        }
        let missing = try TestEnv.run(emtools, ["star", dir + "/nope.star", "--count-by", "rlnClassNumber"])
        #expect(missing.status == 1 && missing.stderr == "emtools: \(dir)/nope.star: no such file\n")
        let noColumn = try TestEnv.run(emtools, ["star", particles, "--where", "rlnDefocusU>1"])
        #expect(noColumn.status == 1 && noColumn.stderr.contains("no column 'rlnDefocusU'"))
        let badCondition = try TestEnv.run(emtools, ["star", particles, "--where", "rlnClassNumber"])
        #expect(badCondition.status == 64 && badCondition.stderr.contains("no comparison"))
    }
}
