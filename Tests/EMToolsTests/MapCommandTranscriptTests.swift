import EMCore
import Foundation
import Testing
import TestSupport

/// Transcripts of the built `emtools` binary on maps it generates: what a user types and what comes back.
@Suite struct MapCommandTranscriptTests {
    let emtools = TestEnv.product("emtools")

    @Test func phantomThenHeaderJSONReportsSizeModeAndPixelSize() throws {
        let dir = TestEnv.temporaryDirectory("cli-header")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/phantom.mrc"
        let made = try TestEnv.run(emtools, ["phantom", map, "--size", "24", "--angpix", "1.5"])
        #expect(made.status == 0, "\(made.stderr)")
        let r = try TestEnv.run(emtools, ["header", map, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try JSONDecoder().decode([MRCSummary].self, from: r.stdoutData)
        #expect(rows.count == 1)
        #expect(rows.first?.size == [24, 24, 24])
        #expect(rows.first?.modeName == "float32")
        #expect(abs((rows.first?.voxelSizeAngstrom.first ?? 0) - 1.5) < 1e-6)
    }

    @Test func validateExitsZeroForAGoodMapAndOneForATruncatedMap() throws {
        let dir = TestEnv.temporaryDirectory("cli-validate")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/good.mrc"
        #expect(try TestEnv.run(emtools, ["phantom", map, "--size", "16"]).status == 0)
        #expect(try TestEnv.run(emtools, ["validate", map]).status == 0)
        let data = try Data(contentsOf: URL(fileURLWithPath: map))
        let cut = dir + "/cut.mrc"
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: cut))
        let bad = try TestEnv.run(emtools, ["header", cut])
        #expect(bad.status != 0)
        let lines = bad.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line of error: \(bad.stderr)")
        #expect(bad.stderr.contains("cut.mrc"))
    }

    @Test func missingFileIsOneLineErrorNamingIt() throws {
        let r = try TestEnv.run(emtools, ["stats", "/nonexistent/dir/map.mrc"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/dir/map.mrc"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
