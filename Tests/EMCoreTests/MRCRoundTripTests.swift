import EMCore
import Foundation
import Testing
import TestSupport

@Suite struct MRCRoundTripTests {
    @Test func float32RoundTripKeepsValuesAndHeader() throws {
        let dir = TestEnv.temporaryDirectory("mrc")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: 24, voxelSize: 1.5, noise: 0.1)
        let path = dir + "/a.mrc"
        try MRCWriter.write(v, to: path)
        let f = try MRCFile.open(path)
        #expect(f.header.nversion == 20140)
        #expect(f.header.voxelSize.x == 1.5)
        let back = try f.readVolume()
        #expect(back.data == v.data)
        #expect(MRCValidator.validate(path).isEmpty)
    }
}
