@testable import EMCore
import Foundation
import Testing
import TestSupport

/// `STARDocumentSummary.read` and `STARCountedDocument.read` (big loops summarised or counted while
/// scanned) against the summaries and counts of the parsed tables.
@Suite struct STARSummaryTests {
    /// A RELION-like file with a loop big enough for the parallel scanner, with `extra` lines inserted.
    func file(rows: Int, extra: (Int) -> String = { _ in "" }) -> String {
        var text = "# version 30001\ndata_optics\nloop_\n_rlnOpticsGroup #1\n_rlnOpticsGroupName #2\n1 g1\n\n"
        text += "# version 30001\ndata_particles\nloop_\n_rlnCoordinateX #1\n_rlnImageName #2\n_rlnClassNumber #3\n_rlnDefocusU #4\n"
        for i in 0 ..< rows {
            text += "\(Double(i) * 0.25 - 7) \(i)@Extract/job007/Movies/mic_\(i / 500).mrcs \(i % 7) \(15000 + Double(i % 997) * 1.5)\n"
            text += extra(i)
        }
        return text + "\n# version 30001\ndata_after\n_rlnKey 1\n"
    }

    func write(_ text: String, _ name: String) throws -> String {
        let dir = TestEnv.temporaryDirectory("star-summary")
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func expectSameSummaries(_ path: String) throws {
        let summary = try STARDocumentSummary.read(path)
        let doc = try STARDocument.read(path)
        #expect(summary.blocks.map(\.name) == doc.blocks.map(\.name))
        for (b, block) in zip(summary.blocks, doc.blocks) {
            #expect(b.version == block.version)
            #expect(b.pairs.map(\.key) == block.pairs.map(\.key) && b.pairs.map(\.value) == block.pairs.map(\.value))
            #expect(b.tables.count == block.tables.count)
            for (t, table) in zip(b.tables, block.tables) {
                #expect(t.rows == table.rowCount)
                #expect(t.columns == table.summaries())
            }
        }
    }

    @Test func bigLoopSummarisedWhileScannedEqualsTheTablesSummaries() throws {
        let path = try write(file(rows: 40_000), "plain.star")
        try expectSameSummaries(path)
        let t = try STARDocumentSummary.read(path).blocks[1].tables[0]
        #expect(t.rows == 40_000)
        #expect(t.columns.map(\.kind) == [.double, .string, .int, .double])
        #expect(t.columns[0].min == -7 && t.columns[0].max == Double(39_999) * 0.25 - 7)
    }

    @Test func unusualLinesInABigLoopGiveTheSameSummaries() throws {
        // Quoted values, comments and blank lines send the loop to the sequential reader.
        let path = try write(file(rows: 30_000) { i in i % 5000 == 7 ? "1.5 \"name with spaces\" 3 15000.5 # a comment\n\n" : "" }, "unusual.star")
        try expectSameSummaries(path)
        #expect(try STARDocumentSummary.read(path).blocks[1].tables[0].rows == 30_006)
    }

    @Test func aBrokenBigLoopGivesTheReadersError() throws {
        let path = try write(file(rows: 30_000) { i in i == 20_000 ? "1 2 3\n" : "" }, "broken.star")
        var readError: Error? = nil
        do { _ = try STARDocument.read(path) } catch { readError = error }
        #expect(readError != nil)
        #expect(throws: readError as! STARError) { try STARDocumentSummary.read(path) }
    }

    func expectSameCounts(_ path: String, _ column: String) throws {
        let counted = try STARCountedDocument.read(path, countingBy: column)
        let doc = try STARDocument.read(path)
        #expect(counted.document.blocks.map(\.name) == doc.blocks.map(\.name))
        let table = try doc.requireBlock("particles").requireTable()
        let ours = try counted.counts(block: 1, table: 0)
        let ref = try table.counts(by: column)
        #expect(ours.map(\.value) == ref.map(\.value) && ours.map(\.count) == ref.map(\.count))
    }

    @Test func bigLoopCountedWhileScannedEqualsTheTablesCounts() throws {
        let plain = try write(file(rows: 40_000), "count.star")
        for column in ["rlnClassNumber", "_rlnImageName", "rlnDefocusU"] { try expectSameCounts(plain, column) }
        let unusual = try write(file(rows: 30_000) { i in i % 5000 == 7 ? "1.5 \"name with spaces\" 3 15000.5 # a comment\n\n" : "" },
                                "count-unusual.star")
        try expectSameCounts(unusual, "rlnImageName")
        let counted = try STARCountedDocument.read(plain, countingBy: "rlnOpticsGroup")
        #expect(try counted.counts(block: 0, table: 0).map(\.count) == [1])
        #expect(throws: STARError.missingColumn(path: plain, block: "particles", column: "nope")) {
            try STARCountedDocument.read(plain, countingBy: "nope").counts(block: 1, table: 0)
        }
    }

    @Test func meanIsTheCorrectlyRoundedMean() throws {
        // A plain running sum gives 0 here: 1e16 + 1 rounds back to 1e16.
        let doc = try STARDocument.parse("data_\nloop_\n_x\n1e16\n1\n-1e16\n")
        let s = try doc.requireBlock("").requireTable().summary(column: 0)
        #expect(s.kind == .double && s.mean == 1.0 / 3.0)
        let inf = try STARDocument.parse("data_\nloop_\n_x\n1\ninf\n2\n").blocks[0].tables[0].summary(column: 0)
        #expect(inf.mean == .infinity && inf.max == .infinity)
    }
}
