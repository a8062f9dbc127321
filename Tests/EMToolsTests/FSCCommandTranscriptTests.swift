import EMCore
import Foundation
import Testing
import TestSupport

/// Transcripts of `emtools fsc` on half-maps the tool itself writes (`emtools phantom` with the same blobs and
/// independent noise seeds): the table, JSON equal to the library's numbers, the files, and the errors.
@Suite(.serialized) struct FSCCommandTranscriptTests {
    let emtools = TestEnv.product("emtools")

    /// Two half-maps (same signal, noise seeds 1 and 2) and, optionally, a RELION soft mask around the signal.
    func halfMaps(_ dir: String, size: Int = 40, angpix: String = "1.5", angpix2: String? = nil) throws -> (String, String) {
        let h1 = dir + "/half1.mrc", h2 = dir + "/half2.mrc"
        for (p, seed, a) in [(h1, "1", angpix), (h2, "2", angpix2 ?? angpix)] {
            let r = try TestEnv.run(emtools, ["phantom", p, "--size", "\(size)", "--angpix", a, "--noise", "0.05", "--seed", seed])
            if r.status != 0 { throw TestFailure("phantom failed: \(r.stderr)") }
        }
        return (h1, h2)
    }

    func mask(_ dir: String, size: Int = 40) throws -> String {
        let clean = dir + "/clean.mrc", mask = dir + "/mask.mrc"
        #expect(try TestEnv.run(emtools, ["phantom", clean, "--size", "\(size)", "--angpix", "1.5"]).status == 0)
        let r = try TestEnv.run(TestEnv.relion("relion_mask_create"), ["--i", clean, "--o", mask, "--ini_threshold", "0.1",
                                                                        "--extend_inimask", "2", "--width_soft_edge", "4"])
        if r.status != 0 { throw TestFailure("relion_mask_create failed: \(r.stderr)") }
        return mask
    }

    func files(_ dir: String) throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: dir)) }

    @Test func tableShowsTheResolutionAndEveryShell() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-table")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, h2) = try halfMaps(dir)
        let r = try TestEnv.run(emtools, ["fsc", h1, h2])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try FSCReport.compute(half1: h1, half2: h2)
        let res = try #require(report.resolution0143.resolution)
        #expect(r.stdout.contains("Resolution at FSC = 0.143: " + String(format: "%.2f Å", res)))
        #expect(r.stdout.contains("Box 40 voxels at 1.5000 Å/pixel (Nyquist 3.00 Å)"))
        let rows = r.stdout.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).first?.isNumber == true }
        #expect(rows.count == 21)
        // Row "shell 1/Å Å coeffs unmasked" for shell 10: 6.00 Å.
        let ten = rows[10].split(separator: " ")
        #expect(ten[0] == "10" && ten[2] == "6.00" && Int(ten[3]) == report.unmasked.counts[10])
        #expect(abs(Double(ten[4])! - report.unmasked.correlation[10]) < 5e-5)
        #expect(r.stderr.isEmpty)
    }

    @Test func jsonEqualsTheLibrarysNumbersWithAndWithoutAMask() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-json")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, h2) = try halfMaps(dir)
        let m = try mask(dir)
        for maskArgs in [[], ["--mask", m]] {
            let r = try TestEnv.run(emtools, ["fsc", h1, h2, "--json"] + maskArgs)
            #expect(r.status == 0, "\(r.stderr)")
            let cli = try JSONDecoder().decode(FSCSummary.self, from: r.stdoutData)
            let lib = try FSCReport.compute(half1: h1, half2: h2, mask: maskArgs.last).summary
            #expect(cli.resolution0143 == lib.resolution0143 && cli.resolution05 == lib.resolution05)
            #expect(cli.shells.count == 21 && cli.shells.map(\.shell) == Array(0 ... 20))
            let worst = zip(cli.shells, lib.shells).map { a, b in
                [abs(a.unmasked - b.unmasked), abs((a.masked ?? 0) - (b.masked ?? 0)), abs((a.corrected ?? 0) - (b.corrected ?? 0)),
                 abs((a.phaseRandomizedMasked ?? 0) - (b.phaseRandomizedMasked ?? 0))].max()!
            }.max()!
            #expect(worst < 1e-9, "largest difference between CLI and library: \(worst)")
            #expect(cli.mask == maskArgs.last && cli.boxSize == 40 && cli.pixelSize == 1.5 && cli.nyquist == 3)
            if maskArgs.isEmpty {
                #expect(cli.finalCurve == "unmasked" && cli.shells[3].masked == nil)
            } else {
                #expect(cli.randomizedFromShell == lib.randomizedFromShell && cli.randomizedFromShell != nil)
                #expect(cli.shells[3].masked != nil && cli.shells[3].phaseRandomizedMasked != nil)
            }
        }
    }

    @Test func writesStarCSVAndPlotTogether() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-files")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, h2) = try halfMaps(dir)
        let m = try mask(dir)
        let r = try TestEnv.run(emtools, ["fsc", h1, h2, "--mask", m, "--star", dir + "/out.star", "--csv", dir + "/out.csv",
                                          "--plot", dir + "/fsc.png"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try STARDocument.read(dir + "/out.star")
        #expect(try doc.requireBlock("fsc").requireTable().rowCount == 21)
        #expect(doc.block("general")?.value("rlnMaskName") == m)
        let csv = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 22)
        let png = try PNGFile.read(dir + "/fsc.png", as: .rgb8)
        #expect(png.width == 960 && png.height == 640)
        #expect(r.stdout.contains("with mask \(m)"))
        // No temporary files left next to the outputs.
        #expect(try files(dir).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test func mismatchedBoxesArePlainErrorsAndWriteNothing() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-box")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, _) = try halfMaps(dir, size: 40)
        let other = dir + "/other.mrc"
        #expect(try TestEnv.run(emtools, ["phantom", other, "--size", "36", "--angpix", "1.5"]).status == 0)
        let before = try files(dir)
        let r = try TestEnv.run(emtools, ["fsc", h1, other, "--star", dir + "/o.star", "--plot", dir + "/o.png", "--csv", dir + "/o.csv"])
        #expect(r.status == 1)
        #expect(r.stderr == "emtools: half-maps differ in size: \(h1) is 40×40×40 but \(other) is 36×36×36\n")
        #expect(r.stdout.isEmpty)
        #expect(try files(dir) == before)
    }

    @Test func mismatchedPixelSizesNeedAngpix() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-pix")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, h2) = try halfMaps(dir, angpix: "1.5", angpix2: "1.6")
        let r = try TestEnv.run(emtools, ["fsc", h1, h2, "--star", dir + "/o.star"])
        #expect(r.status == 1)
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains(h1) && r.stderr.contains(h2) && r.stderr.contains("1.5000 Å") && r.stderr.contains("--angpix"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.star"))
        let ok = try TestEnv.run(emtools, ["fsc", h1, h2, "--angpix", "1.55", "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try JSONDecoder().decode(FSCSummary.self, from: ok.stdoutData).pixelSize == 1.55)
    }

    @Test func missingFilesBadOutputsAndBadBoxesAreOneLineErrors() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-bad")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, h2) = try halfMaps(dir, size: 24)
        let missing = try TestEnv.run(emtools, ["fsc", h1, dir + "/nope.mrc"])
        #expect(missing.status == 1 && missing.stderr == "emtools: \(dir)/nope.mrc: no such file\n")
        let missingMask = try TestEnv.run(emtools, ["fsc", h1, h2, "--mask", dir + "/nomask.mrc"])
        #expect(missingMask.status == 1 && missingMask.stderr.contains("nomask.mrc: no such file"))
        // An output into a folder that does not exist fails before any work and leaves no other output.
        let before = try files(dir)
        let badDir = try TestEnv.run(emtools, ["fsc", h1, h2, "--star", dir + "/o.star", "--plot", dir + "/no/such/fsc.png"])
        #expect(badDir.status == 1 && badDir.stderr.contains("fsc.png: cannot write") && badDir.stderr.split(separator: "\n").count == 1)
        #expect(try files(dir) == before)
        // An output that would overwrite an input is a usage error.
        let clobber = try TestEnv.run(emtools, ["fsc", h1, h2, "--star", h2])
        #expect(clobber.status == 64 && clobber.stderr.contains("would overwrite an input"))
        // A non-cubic box is refused with what to do.
        let flat = dir + "/flat.mrc"
        try MRCWriter.write(Volume(size: GridSize(24, 24, 20), voxelSize: VoxelSize(isotropic: 1.5), repeating: 1), to: flat)
        let nc = try TestEnv.run(emtools, ["fsc", flat, flat])
        #expect(nc.status == 1 && nc.stderr.contains("cubic box") && nc.stderr.contains("24×24×20"))
        // A mask outside 0…1.
        let hot = dir + "/hot.mrc"
        try MRCWriter.write(Volume(size: GridSize(24, 24, 24), voxelSize: VoxelSize(isotropic: 1.5), repeating: 3), to: hot)
        let hm = try TestEnv.run(emtools, ["fsc", h1, h2, "--mask", hot])
        #expect(hm.status == 1 && hm.stderr.contains("mask values must lie in 0…1"))
        let usage = try TestEnv.run(emtools, ["fsc", h1, h2, "--angpix", "-1"])
        #expect(usage.status == 64)
    }

    @Test func fftMeasureSavesWisdomInTheCacheFolder() throws {
        let dir = TestEnv.temporaryDirectory("cli-fsc-wisdom")
        defer { TestEnv.removeTemporary(dir) }
        let (h1, h2) = try halfMaps(dir, size: 24)
        let cache = dir + "/cache"
        let env = ["XDG_CACHE_HOME": cache]
        let plain = try TestEnv.run(emtools, ["fsc", h1, h2, "--json"], environment: env)
        #expect(plain.status == 0)
        #expect(!FileManager.default.fileExists(atPath: cache + "/emtools"), "estimate plans write no wisdom")
        let measured = try TestEnv.run(emtools, ["fsc", h1, h2, "--json", "--fft-measure"], environment: env)
        #expect(measured.status == 0, "\(measured.stderr)")
        let wisdom = try FileManager.default.contentsOfDirectory(atPath: cache + "/emtools")
        #expect(wisdom.count == 1 && wisdom[0].hasPrefix("fftwf-wisdom-"))
        let text = try String(contentsOfFile: cache + "/emtools/" + wisdom[0], encoding: .utf8)
        #expect(text.hasPrefix("(fftw-3") && text.contains("fftwf"))
        // The measured plan gives the same curve (to float rounding) as the estimated one.
        let a = try JSONDecoder().decode(FSCSummary.self, from: plain.stdoutData)
        let b = try JSONDecoder().decode(FSCSummary.self, from: measured.stdoutData)
        #expect(zip(a.shells, b.shells).allSatisfy { abs($0.unmasked - $1.unmasked) < 1e-5 })
        #expect(a.resolution0143.shell == b.resolution0143.shell)
    }
}
