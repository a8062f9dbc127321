import EMCore
import Foundation
import Testing
import TestSupport

/// Our FSC against RELION 3.1.3 itself, on half-maps made here (phantom signal plus independent noise).
@Suite(.serialized) struct FSCRelionTests {
    /// `relion_image_handler --fsc` prints the FSC of two maps shell by shell; ours must agree within 1e-3 in
    /// every shell, for even and odd boxes, with the same resolutions.
    @Test(arguments: [64, 63])
    func curveMatchesRelionImageHandlerShellByShell(n: Int) throws {
        let dir = TestEnv.temporaryDirectory("fsc-relion")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try FSCHalfMaps(dir: dir, n: n, angpix: 1.5)
        let r = try TestEnv.run(TestEnv.relion("relion_image_handler"), ["--i", maps.half1, "--fsc", maps.half2, "--angpix", "1.5"])
        #expect(r.status == 0)
        let relion = RelionTable(r.stdout, block: "fsc")
        let relionFSC = relion.column("rlnFourierShellCorrelation")
        let ours = try FSCReport.compute(half1: maps.half1, half2: maps.half2).unmasked
        #expect(relionFSC.count == n / 2 + 1)
        #expect(ours.shellCount == relionFSC.count)
        let worst = zip(ours.correlation, relionFSC).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest difference from RELION: \(worst)")
        // The curve is not trivial: it falls from ~1 to noise.
        #expect(ours.correlation[1] > 0.99 && ours.correlation.suffix(5).allSatisfy { abs($0) < 0.2 })
        let relionAngstrom = relion.column("rlnAngstromResolution")
        for i in 1 ..< ours.shellCount { #expect(abs(ours.resolution(i) - relionAngstrom[i]) < 1e-4) }
    }

    /// The unmasked gold-standard resolution is RELION's `relion_postprocess` resolution, within one shell.
    @Test func unmaskedResolutionMatchesRelionPostprocess() throws {
        let dir = TestEnv.temporaryDirectory("fsc-pp")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try FSCHalfMaps(dir: dir, n: 64, angpix: 1.5)
        let star = try relionPostprocess(maps, mask: nil)
        let relionResolution = try #require(RelionTable.value(star, block: "general", key: "rlnFinalResolution").flatMap(Double.init))
        let report = try FSCReport.compute(half1: maps.half1, half2: maps.half2)
        let ours = try #require(report.resolution0143.resolution)
        let relionShell = Int((64 * 1.5 / relionResolution).rounded())
        #expect(abs(report.resolution0143.shell - relionShell) <= 1, "ours \(ours) Å, RELION \(relionResolution) Å")
        let relionCurve = RelionTable(star, block: "fsc").column("rlnFourierShellCorrelationUnmaskedMaps")
        #expect(zip(report.unmasked.correlation, relionCurve).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    /// With a RELION-made soft mask: unmasked and masked curves equal RELION's shell by shell (no randomness),
    /// phases are randomised from the same shell, and the corrected resolution is RELION's within one shell.
    @Test func maskedResolutionMatchesRelionPostprocess() throws {
        let dir = TestEnv.temporaryDirectory("fsc-ppm")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try FSCHalfMaps(dir: dir, n: 64, angpix: 1.5)
        let mask = try maps.relionMask()
        let star = try relionPostprocess(maps, mask: mask)
        let table = RelionTable(star, block: "fsc")
        let report = try FSCReport.compute(half1: maps.half1, half2: maps.half2, mask: mask)
        let masked = try #require(report.masked), corrected = try #require(report.corrected), random = try #require(report.randomizedMasked)
        let relionMasked = table.column("rlnFourierShellCorrelationMaskedMaps")
        #expect(relionMasked.count == masked.shellCount)
        let worst = zip(masked.correlation, relionMasked).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest masked-FSC difference from RELION: \(worst)")
        let relionRandomFrom = try #require(RelionTable.value(star, block: "general", key: "rlnRandomiseFrom").flatMap(Double.init))
        #expect(abs(64 * 1.5 / Double(try #require(report.randomizedFromShell)) - relionRandomFrom) < 1e-3)
        // Below the randomisation shell the randomised maps are the originals: the curves agree there.
        let r = report.randomizedFromShell!
        for i in 1 ..< r - 1 { #expect(abs(random.correlation[i] - masked.correlation[i]) < 0.02) }
        // Corrected equals masked below r + 2, and follows RELION's formula from there.
        for i in 0 ..< r + 2 { #expect(corrected.correlation[i] == masked.correlation[i]) }
        let relionResolution = try #require(RelionTable.value(star, block: "general", key: "rlnFinalResolution").flatMap(Double.init))
        let relionShell = Int((64 * 1.5 / relionResolution).rounded())
        #expect(report.usesMask)
        #expect(abs(report.resolution0143.shell - relionShell) <= 1, "ours \(report.resolution0143.resolution ?? 0) Å, RELION \(relionResolution) Å")
        // The mask sharpens the curve (less noise) and the relative noise near the crossing is small.
        #expect(masked.crossing(0.143).shell >= report.unmasked.crossing(0.143).shell)
    }
}
