import EMCore
import Foundation
import Testing
import TestSupport

@Suite struct STARBasicTests {
    static let relion31 = """

    # version 30001

    data_optics

    loop_
    _rlnOpticsGroupName #1
    _rlnOpticsGroup #2
    _rlnImagePixelSize #3
    opticsGroup1 1 1.244000

    # version 30001

    data_particles

    loop_
    _rlnCoordinateX #1
    _rlnImageName #2
    _rlnClassNumber #3
    _rlnMicrographName #4
      123.5 000001@Extract/job007/a.mrcs 2 "mic with space.mrc"
      456.0 000002@Extract/job007/a.mrcs 3 'b.mrc'

    """

    @Test func readsOpticsAndParticlesByRelionName() throws {
        let doc = try STARDocument.parse(Self.relion31)
        #expect(doc.blocks.map(\.name) == ["optics", "particles"])
        let p = try doc.requireBlock("data_particles").requireTable()
        #expect(p.rowCount == 2)
        #expect(try p.ints("_rlnClassNumber") == [2, 3])
        #expect(try p.doubles("rlnCoordinateX") == [123.5, 456.0])
        #expect(try p.strings("rlnMicrographName") == ["mic with space.mrc", "b.mrc"])
        #expect(try doc.requireBlock("optics").requireTable().doubles("rlnImagePixelSize") == [1.244])
    }

    @Test func wrongFieldCountNamesTheLine() {
        let bad = "data_x\nloop_\n_a\n_b\n1 2\n3\n4 5\n"
        #expect(throws: STARError.rowLength(path: "<memory>", line: 6, column: 2, expected: 2, found: 1)) {
            try STARDocument.parse(bad)
        }
    }

    @Test func writtenDocumentReadsBack() throws {
        let doc = try STARDocument.parse(Self.relion31)
        let again = try STARDocument.parse(STARWriter.render(doc))
        let a = try doc.requireBlock("particles").requireTable(), b = try again.requireBlock("particles").requireTable()
        #expect((0 ..< a.rowCount).map(a.row) == (0 ..< b.rowCount).map(b.row))
    }
}
