import EMCore
import Foundation
import PropertyBased
import Testing

/// Random tables written then parsed give back the same values.
@Suite struct STARPropertyTests {
    /// Cell texts: numbers, names with spaces and quotes, empty strings, keyword look-alikes, unicode.
    /// (`Gen.oneOf` needs the Swift 6 language mode; the package uses Swift 5, so one of four is picked by hand.)
    static let cell = zip(
        Gen.int(in: 0 ... 3),
        Gen.int(in: -100_000 ... 100_000).map { String($0) },
        Gen.double(in: -1e6 ... 1e6).map { String(format: "%.6f", $0) },
        Gen.letterOrNumber.string(of: 1 ... 12),
        Gen.element(of: ["a b", "it's", "say \"hi\"", "", "_x", "data_y", "loop_", "#5", "'q", "μm Å", "two\nlines",
                         "tab\there", ";semi", "$ref", "Loop_", "DATA_z"]).map { $0 ?? "" }
    ).map { pick, a, b, c, d in [a, b, c, d][pick] }

    /// Number of columns and the cells, row-major (the last partial row is dropped).
    static let table = zip(Gen.int(in: 1 ... 6), cell.array(of: 0 ... 80))

    @Test func randomTablesRoundTrip() async {
        await propertyCheck(count: 300, input: Self.table, Gen.letterOrNumber.string(of: 1 ... 8)) { spec, name in
            let (width, all) = spec
            let rows = all.count / width
            let cells = Array(all.prefix(rows * width))
            let columns = (0 ..< width).map { "rlnCol\($0)" }
            let values = (0 ..< rows).map { r in Array(cells[(r * width) ..< (r * width + width)]) }
            let pairs = (0 ..< min(width, 3)).map { (key: "rlnKey\($0)", value: cells.isEmpty ? "1" : cells[$0 % cells.count]) }
            let doc = STARDocument(blocks: [STARBlock(name: name, pairs: pairs, tables: [STARTable(columns: columns, rows: values)])])
            let text = STARWriter.render(doc)
            do {
                let back = try STARDocument.parse(text)
                #expect(back.blocks.map(\.name) == [name])
                #expect(back.blocks[0].pairs.map(\.value) == pairs.map(\.value))
                let t = back.blocks[0].tables[0]
                #expect(t.columns == columns)
                #expect((0 ..< t.rowCount).map(t.row) == values)
                // Writing what was read gives the same text again.
                #expect(STARWriter.render(back) == text)
            } catch {
                Issue.record("\(error)\n\(text)")
            }
        }
    }

    @Test func numbersSurviveAsDoubles() async {
        await propertyCheck(count: 300, input: Gen.double(in: -1e9 ... 1e9).array(of: 1 ... 40)) { xs in
            let t = STARTable(columns: ["rlnValue"], rows: xs.map { ["\($0)"] })
            do {
                let back = try STARDocument.parse(STARWriter.render(STARDocument(blocks: [STARBlock(name: "n", tables: [t])])))
                #expect(try back.blocks[0].tables[0].doubles("rlnValue") == xs)
            } catch { Issue.record("\(error)") }
        }
    }
}
