import EMCore
import Foundation
import Testing
import TestSupport

/// The masked FSC on an odd box (no Nyquist plane, shells to (n−1)/2) against `relion_postprocess`.
@Suite(.serialized) struct FSCRelionOddBoxTests {
    @Test func maskedOddBoxMatchesRelionPostprocess() throws {
        let dir = TestEnv.temporaryDirectory("fsc-odd")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try FSCHalfMaps(dir: dir, n: 45, angpix: 1.3)
        let mask = try maps.relionMask()
        let star = try relionPostprocess(maps, mask: mask)
        let table = RelionTable(star, block: "fsc")
        let report = try FSCReport.compute(half1: maps.half1, half2: maps.half2, mask: mask)
        #expect(report.unmasked.shellCount == 23 && table.rows.count == 23)
        for (name, curve) in [("rlnFourierShellCorrelationUnmaskedMaps", report.unmasked), ("rlnFourierShellCorrelationMaskedMaps", try #require(report.masked))] {
            let worst = zip(curve.correlation, table.column(name)).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-3, "\(name): largest difference from RELION \(worst)")
        }
        let relionFrom = try #require(RelionTable.value(star, block: "general", key: "rlnRandomiseFrom").flatMap(Double.init))
        #expect(abs(report.unmasked.resolution(try #require(report.randomizedFromShell)) - relionFrom) < 1e-3)
        let relionResolution = try #require(RelionTable.value(star, block: "general", key: "rlnFinalResolution").flatMap(Double.init))
        let relionShell = Int((45 * 1.3 / relionResolution).rounded())
        #expect(abs(report.resolution0143.shell - relionShell) <= 1, "ours \(report.resolution0143.resolution ?? 0) Å, RELION \(relionResolution) Å")
    }
}
