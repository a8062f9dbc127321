@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Edge cases of the STAR syntax and the errors for bad input (file, line, column).
@Suite struct STARParserTests {
    @Test func commentsQuotesAndTabs() throws {
        let text = "# a file comment\ndata_x # trailing\n\n_rlnA\t'single quoted'\n_rlnB \"it's here\"\n_c  plain#notacomment\nloop_\n_rlnName #1\n_rlnValue\t#2\n'a b'\t1.5 # row comment\n\"c 'd'\" -2\n"
        let doc = try STARDocument.parse(text)
        #expect(doc.header == ["# a file comment"])
        let b = try doc.requireBlock("x")
        #expect(b.value("rlnA") == "single quoted")
        #expect(b.value("_rlnB") == "it's here")
        #expect(b.value("c") == "plain#notacomment")
        let t = try b.requireTable()
        #expect(try t.strings("rlnName") == ["a b", "c 'd'"])
        #expect(try t.doubles("_rlnValue") == [1.5, -2])
    }

    @Test func emptyBlocksEmptyLoopsAndSeveralLoops() throws {
        let text = "data_empty\n\ndata_two\nloop_\n_a\n_b\n1 2\nloop_\n_c\nx\ny\nz\ndata_emptyloop\nloop_\n_q\n\ndata_last\n_k v\n"
        let doc = try STARDocument.parse(text)
        #expect(doc.blocks.map(\.name) == ["empty", "two", "emptyloop", "last"])
        #expect(doc.blocks[0].pairs.isEmpty && doc.blocks[0].tables.isEmpty)
        #expect(doc.blocks[1].tables.count == 2)
        #expect(try doc.blocks[1].tables[1].strings("c") == ["x", "y", "z"])
        #expect(doc.blocks[1].table(with: "_c")?.rowCount == 3)
        #expect(doc.blocks[2].tables[0].rowCount == 0 && doc.blocks[2].tables[0].columns == ["q"])
        #expect(doc.blocks[3].value("k") == "v")
    }

    @Test func crlfAndMissingFinalNewline() throws {
        let lf = "data_p\nloop_\n_rlnX #1\n_rlnName #2\n1.0 a\n2.0 \"b c\"\n3.0 d"
        let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
        for text in [lf, crlf, "\u{FEFF}" + crlf] {
            let t = try STARDocument.parse(text).requireBlock("p").requireTable()
            #expect(try t.doubles("rlnX") == [1, 2, 3])
            #expect(try t.strings("rlnName") == ["a", "b c", "d"])
        }
    }

    @Test func opticsAndParticlesFromRelion31Fixture() throws {
        let doc = try STARDocument.read(STARFixtures.path("relion31_particles.star"))
        #expect(doc.blocks.map(\.name) == ["optics", "particles"])
        #expect(doc.blocks.map(\.version) == [30001, 30001])
        let optics = try doc.requireBlock("data_optics").requireTable()
        #expect(try optics.strings("rlnOpticsGroupName") == ["optics1"])
        #expect(try optics.doubles("_rlnImagePixelSize") == [2])
        let p = try doc.requireBlock("particles").requireTable()
        #expect(p.rowCount == 20)
        #expect(try p.ints("rlnOpticsGroup") == Array(repeating: 1, count: 20))
        #expect(try p.strings("rlnImageName").first == "000001@proj.mrcs")
        #expect(try p.doubles("rlnAngleRot").first == 166.210581)
    }

    @Test func textFieldsSpanLines() throws {
        let doc = try STARDocument.parse("data_t\n_note\n;line one\nline two\n;\nloop_\n_a\n_b\n;x\ny\n; 2\n3 4\n")
        #expect(doc.blocks[0].value("note") == "line one\nline two")
        let t = doc.blocks[0].tables[0]
        #expect(t.row(0) == ["x\ny", "2"])
        #expect(t.row(1) == ["3", "4"])
    }

    // MARK: errors

    @Test func shortRowNamesLineAndColumn() {
        #expect(throws: STARError.rowLength(path: "<memory>", line: 6, column: 2, expected: 2, found: 1)) {
            try STARDocument.parse("data_x\nloop_\n_a\n_b\n1 2\n3\n4 5\n")
        }
    }

    @Test func longRowNamesTheFirstExtraValue() {
        #expect(throws: STARError.rowLength(path: "f.star", line: 6, column: 5, expected: 2, found: 3)) {
            try STARDocument.parse("data_x\nloop_\n_a\n_b\n1 2\n3 4 5\n", path: "f.star")
        }
    }

    @Test func shortLastRow() {
        #expect(throws: STARError.rowLength(path: "<memory>", line: 5, column: 4, expected: 2, found: 1)) {
            try STARDocument.parse("data_x\nloop_\n_a\n_b\n 12")
        }
    }

    @Test func unterminatedQuote() {
        #expect(throws: STARError.unterminatedQuote(path: "<memory>", line: 4, column: 3)) {
            try STARDocument.parse("data_x\nloop_\n_a\n1 'open\n")
        }
    }

    @Test func loopWithoutColumns() {
        #expect(throws: STARError.loopHasNoColumns(path: "<memory>", line: 2, column: 1)) {
            try STARDocument.parse("data_x\nloop_\n1 2\n")
        }
        #expect(throws: STARError.loopHasNoColumns(path: "<memory>", line: 3, column: 2)) {
            try STARDocument.parse("data_x\n\n loop_\ndata_y\n")
        }
    }

    @Test func binaryGarbage() throws {
        var bytes = Array("data_x\nloop_\n_a\n1\n2".utf8)
        bytes += [0x00, 0x13, 0xff, 0x00]
        #expect(throws: STARError.binaryData(path: "g.bin", line: 5, column: 2)) {
            try STARDocument.parse(bytes: bytes, path: "g.bin")
        }
        // Control bytes inside a comment are binary data too: a binary file that happens to start with `#`
        // (and has no newline) is not one long comment; nor is a comment line inside a loop.
        #expect(throws: STARError.binaryData(path: "c.bin", line: 2, column: 4)) {
            try STARDocument.parse(bytes: Array("data_x\n#ab".utf8) + [0x01, 0xfe, 0x7f], path: "c.bin")
        }
        #expect(throws: STARError.binaryData(path: "l.bin", line: 5, column: 3)) {
            try STARDocument.parse(bytes: Array("data_x\nloop_\n_a\n1\n# ".utf8) + [0x02] + Array("\n2\n".utf8), path: "l.bin")
        }
        // Random binary data: an error, never a crash (seeded, so that a failure can be repeated; 1 in 256
        // of these starts with `#`, which the comment check above covers).
        var rng = SplitMix64(seed: 0xB1)
        for _ in 0 ..< 2000 {
            let junk = (0 ..< 512).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(throws: STARError.self) { try STARDocument.parse(bytes: Array("data_x\n".utf8) + junk) }
        }
        // The same junk starting with `#` and holding no newline or NUL: the case that used to parse.
        for _ in 0 ..< 50 {
            let junk = [UInt8(ascii: "#")] + (0 ..< 511).map { _ -> UInt8 in
                let b = UInt8(truncatingIfNeeded: rng.next())
                return b == 0x0a || b == 0 ? 0x01 : b
            }
            #expect(throws: STARError.self) { try STARDocument.parse(bytes: Array("data_x\n".utf8) + junk) }
        }
    }

    @Test func valueBeforeAnyBlock() {
        #expect(throws: STARError.unexpectedToken(path: "<memory>", line: 2, column: 3, token: "oops")) {
            try STARDocument.parse("# c\n  oops\ndata_x\n")
        }
    }

    @Test func notANumberNamesFileLineAndColumn() throws {
        let t = try STARDocument.parse("data_x\nloop_\n_rlnClassNumber\n_rlnName\n1 a\n  two b\n", path: "p.star").blocks[0].tables[0]
        #expect(throws: STARError.valueNotNumeric(path: "p.star", line: 6, column: 3, block: "x", columnName: "rlnClassNumber", row: 2, value: "two")) {
            try t.ints("rlnClassNumber")
        }
        #expect(throws: STARError.missingColumn(path: "p.star", block: "x", column: "rlnNope")) { try t.doubles("_rlnNope") }
        let mem = STARTable(columns: ["a"], rows: [["1"], ["x"]], blockName: "m")
        #expect(throws: STARError.notANumber(path: "<memory>", block: "m", column: "a", row: 2, value: "x")) { try mem.doubles("a") }
    }

    @Test func errorMessagesAreOneLineWithPosition() {
        let e = STARError.rowLength(path: "run_data.star", line: 12, column: 40, expected: 25, found: 24)
        #expect(e.description == "run_data.star:12:40: loop row has 24 values but the loop has 25 columns")
        #expect(!STARError.valueNotNumeric(path: "a", line: 1, column: 2, block: "b", columnName: "c", row: 3, value: "v").description.contains("\n"))
    }

    @Test func gzipAndBzip2FilesReadLikeThePlainFile() throws {
        let dir = TestEnv.temporaryDirectory("star-gz")
        defer { TestEnv.removeTemporary(dir) }
        let plain = STARFixtures.path("relion31_particles.star")
        let expected = try STARDocument.read(plain)
        for (tool, ext) in [("gzip", "gz"), ("bzip2", "bz2")] {
            let r = try TestEnv.run("/bin/sh", ["-c", "\(tool) -c '\(plain)' > '\(dir)/p.star.\(ext)'"])
            #expect(r.status == 0, "\(r.stderr)")
            let doc = try STARDocument.read("\(dir)/p.star.\(ext)")
            #expect(STARWriter.render(doc) == STARWriter.render(expected))
            #expect(try doc.requireBlock("particles").requireTable().doubles("rlnAngleTilt")
                    == (try expected.requireBlock("particles").requireTable().doubles("rlnAngleTilt")))
        }
        #expect(throws: FileError.isDirectory(path: dir)) { try STARDocument.read(dir) }
        try Data().write(to: URL(fileURLWithPath: dir + "/empty.star"))
        #expect(try STARDocument.read(dir + "/empty.star").blocks.isEmpty)
    }

    @Test func missingFileIsAFileError() {
        #expect(throws: FileError.notFound(path: "/nonexistent/x.star")) { try STARDocument.read("/nonexistent/x.star") }
    }

    // MARK: numbers

    @Test func numbersMatchStrtod() throws {
        let cases = ["0", "-0.000000", "1.244000", "-102.30296", "2.586789e+05", "1.23456789012345678901", "1e-320", "1e400",
                     "inf", "-nan", "0x1p3", "12345678901234567890", ".5", "5.", "+3.25", "1e", "1.5x", "", "-", "1.0E+2"]
        for s in cases {
            let bytes = Array(s.utf8)
            let ours = bytes.withUnsafeBufferPointer { NumberParsing.double($0) }
            var end: UnsafeMutablePointer<CChar>? = nil
            let ref: Double? = s.withCString { c in
                let v = strtod(c, &end)
                return (end! - UnsafeMutablePointer(mutating: c)) == s.utf8.count && !s.isEmpty ? v : nil
            }
            if let r = ref, r.isNaN { #expect(ours?.isNaN == true, "\(s)") } else { #expect(ours == ref, "\(s)") }
        }
    }

    // MARK: the parallel path gives what the sequential reader gives

    @Test func parallelLoopEqualsSequential() throws {
        var text = "# version 30001\ndata_optics\nloop_\n_rlnOpticsGroup #1\n_rlnOpticsGroupName #2\n1 g1\n\n# version 30001\ndata_particles\nloop_\n"
        text += "_rlnCoordinateX #1\n_rlnImageName #2\n_rlnClassNumber #3\n_rlnMicrographName #4\n"
        for i in 0 ..< 5000 {
            text += "\(Double(i) * 0.5) \(i)@a.mrcs \(i % 7) \(i % 3 == 0 ? "\"mic \(i).mrc\"" : "m\(i).mrc")\(i % 100 == 0 ? " # note" : "")\n"
            if i % 1000 == 0 { text += "\n# a comment line\n" }
        }
        text += "\n# version 30001\ndata_after\n_rlnKey 1\n"
        let bytes = Array(text.utf8)
        func parse(threads: Int, minimum: Int) throws -> STARDocument {
            var parser = STARParser(storage: STARStorage(bytes: bytes, isSource: true), path: "<memory>",
                                    options: STARParseOptions(parallelMinimumBytes: minimum, threads: threads))
            return try parser.parse()
        }
        let seq = try parse(threads: 1, minimum: .max)
        let par = try parse(threads: 4, minimum: 1)
        #expect(par.blocks.map(\.name) == ["optics", "particles", "after"])
        #expect(par.blocks.map(\.version) == seq.blocks.map(\.version))
        #expect(par.blocks[2].value("rlnKey") == "1")
        let a = seq.blocks[1].tables[0], b = par.blocks[1].tables[0]
        #expect(b.cells.segments.count > 1)
        #expect(a.rowCount == 5000 && b.rowCount == 5000)
        for r in stride(from: 0, to: 5000, by: 1) { #expect(a.row(r) == b.row(r)) }
        #expect(try b.doubles("rlnCoordinateX") == (0 ..< 5000).map { Double($0) * 0.5 })
        #expect(try b.strings("rlnMicrographName")[3] == "mic 3.mrc")
        #expect(STARWriter.render(seq) == STARWriter.render(par))

        // An error deep in a big loop is found with its exact line by the parallel path too.
        var bad = bytes
        let target = Array("2500@a.mrcs".utf8)
        let at = (0 ..< bad.count - target.count).first { Array(bad[$0 ..< $0 + target.count]) == target }!
        bad.replaceSubrange(at ..< at + target.count, with: Array("2500@a.mrcs extra".utf8))
        var p = STARParser(storage: STARStorage(bytes: bad, isSource: true), path: "big.star",
                           options: STARParseOptions(parallelMinimumBytes: 1, threads: 4))
        do { _ = try p.parse(); Issue.record("no error for a long row") } catch let e as STARError {
            guard case .rowLength(_, let line, _, 4, 5) = e else { Issue.record("\(e)"); return }
            let expectedLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(" 2500@a.mrcs") }! + 1
            #expect(line == expectedLine)
        }
    }
}

/// Paths of the STAR fixtures.
enum STARFixtures {
    static func path(_ name: String) -> String { TestEnv.repoRoot + "/Tests/EMCoreTests/Fixtures/STAR/" + name }
    static let all = ["relion30_default_pipeline.star", "relion31_default_pipeline.star", "relion40_default_pipeline.star",
                      "relion50_default_pipeline.star", "relion31_particles.star", "relion31_run_model.star", "relion50_run_model.star", "relion50_tomograms.star"]
}
