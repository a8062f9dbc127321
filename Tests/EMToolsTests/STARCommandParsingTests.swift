@testable import EMTools
import Testing

/// `emtools star` argument parsing alone: options, repeated --where, and validation errors.
@Suite struct STARCommandParsingTests {
    @Test func optionsAndRepeatedWhere() throws {
        let c = try STARCommand.parse(["run_data.star", "--where", "rlnClassNumber==3", "--where", "rlnDefocusU<2e4",
                                       "--columns", "rlnImageName", "--to", "csv", "--block", "data_particles"])
        #expect(c.files == ["run_data.star"])
        #expect(c.conditions == ["rlnClassNumber==3", "rlnDefocusU<2e4"])
        #expect(c.to == .csv && c.block == "data_particles" && c.columns == "rlnImageName")
        #expect(c.selecting && !c.merge)
    }

    @Test func invalidCombinationsAreRefused() {
        #expect(throws: (any Error).self) { try STARCommand.parse(["a.star", "--merge"]) }
        #expect(throws: (any Error).self) { try STARCommand.parse(["a.star", "b.star", "--where", "rlnClassNumber==1"]) }
        #expect(throws: (any Error).self) { try STARCommand.parse(["a.star", "--where", "rlnClassNumber"]) }
        #expect(throws: (any Error).self) { try STARCommand.parse(["a.star", "--count-by", "rlnClassNumber", "--columns", "x"]) }
        #expect(throws: (any Error).self) { try STARCommand.parse(["a.star", "--to", "xml"]) }
        #expect(throws: Never.self) { try STARCommand.parse(["a.star", "b.star", "--merge", "--out", "m.star"]) }
    }
}
