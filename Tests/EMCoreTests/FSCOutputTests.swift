import EMCore
import Foundation
import Testing
import TestSupport

/// The FSC report's STAR, CSV and plot outputs, read back by our STAR reader, by `starfile` (Python) and by
/// RELION's own `relion_star_printtable`.
@Suite(.serialized) struct FSCOutputTests {
    /// A masked report on half-maps made here, with its STAR file written by `STARWriter`.
    static func maskedReport(_ dir: String) throws -> (FSCReport, String) {
        let maps = try FSCHalfMaps(dir: dir, n: 40, angpix: 1.5)
        let report = try FSCReport.compute(half1: maps.half1, half2: maps.half2, mask: try maps.relionMask())
        let star = dir + "/fsc.star"
        try STARWriter.write(report.starDocument(), to: star)
        return (report, star)
    }

    static let columns = ["rlnSpectralIndex", "rlnResolution", "rlnAngstromResolution", "rlnFourierShellCorrelationCorrected",
                          "rlnFourierShellCorrelationUnmaskedMaps", "rlnFourierShellCorrelationMaskedMaps",
                          "rlnCorrectedFourierShellCorrelationPhaseRandomizedMaskedMaps"]

    @Test func starFileReadsBackWithOurReaderWithRelionsNamesAndTheReportsNumbers() throws {
        let dir = TestEnv.temporaryDirectory("fsc-star")
        defer { TestEnv.removeTemporary(dir) }
        let (report, star) = try Self.maskedReport(dir)
        let doc = try STARDocument.read(star)
        let general = try doc.requireBlock("general")
        #expect(abs(try #require(general.double("rlnFinalResolution")) - report.resolution0143.resolution!) < 1e-6)
        #expect(general.value("rlnUnfilteredMapHalf1") == report.half1 && general.value("rlnMaskName") == report.mask)
        #expect(abs(try #require(general.double("rlnRandomiseFrom")) - report.unmasked.resolution(report.randomizedFromShell!)) < 1e-6)
        let fsc = try doc.requireBlock("fsc").requireTable()
        #expect(fsc.columns == Self.columns)
        #expect(fsc.rowCount == 21)
        #expect(try fsc.ints("rlnSpectralIndex") == Array(0 ... 20))
        let curves: [(String, FSCCurve)] = [("rlnFourierShellCorrelationCorrected", report.final),
                                            ("rlnFourierShellCorrelationUnmaskedMaps", report.unmasked),
                                            ("rlnFourierShellCorrelationMaskedMaps", report.masked!),
                                            ("rlnCorrectedFourierShellCorrelationPhaseRandomizedMaskedMaps", report.randomizedMasked!)]
        for (name, curve) in curves {
            let back = try fsc.doubles(name)
            #expect(zip(back, curve.correlation).allSatisfy { abs($0 - $1) <= 5e-7 }, "\(name)")
        }
        let angstrom = try fsc.doubles("rlnAngstromResolution"), inverse = try fsc.doubles("rlnResolution")
        #expect(angstrom[0] == 999 && abs(angstrom[4] - 15) < 1e-6 && abs(inverse[4] - 1 / 15.0) < 1e-6)
    }

    @Test func starFileReadsBackWithStarfileAndRelion() throws {
        let dir = TestEnv.temporaryDirectory("fsc-starfile")
        defer { TestEnv.removeTemporary(dir) }
        let (report, star) = try Self.maskedReport(dir)
        let out = try TestEnv.python("""
        import json, sys, starfile
        d = starfile.read(sys.argv[1], always_dict=True)
        g, f = d["general"], d["fsc"]
        print(json.dumps({"final": float(g["rlnFinalResolution"]), "columns": list(f.columns),
                          "corrected": f["rlnFourierShellCorrelationCorrected"].tolist(),
                          "index": f["rlnSpectralIndex"].tolist()}))
        """, [star])
        struct Back: Decodable { let final: Double; let columns: [String]; let corrected: [Double]; let index: [Int] }
        let back = try JSONDecoder().decode(Back.self, from: Data(out.utf8))
        #expect(back.columns == Self.columns)
        #expect(abs(back.final - report.resolution0143.resolution!) < 1e-6)
        #expect(back.index == Array(0 ... 20))
        #expect(zip(back.corrected, report.final.correlation).allSatisfy { abs($0 - $1) <= 5e-7 })
        // RELION's own STAR reader prints the columns it understood.
        let r = try TestEnv.run(TestEnv.relion("relion_star_printtable"),
                                [star, "data_fsc", "rlnSpectralIndex", "rlnFourierShellCorrelationCorrected"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(rows.count == 21)
        #expect(zip(rows, report.final.correlation).allSatisfy { $0.count == 2 && abs($0[1] - $1) <= 5e-7 })
    }

    /// Every label we write is one `relion_postprocess` itself writes in its postprocess.star for the same
    /// inputs, and the deterministic columns carry the same numbers (to RELION's printed precision).
    @Test func starLabelsAreRelionPostprocesssOwn() throws {
        let dir = TestEnv.temporaryDirectory("fsc-labels")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try FSCHalfMaps(dir: dir, n: 40, angpix: 1.5)
        let mask = try maps.relionMask()
        let relion = try STARDocument.parse(try relionPostprocess(maps, mask: mask))
        let ours = try FSCReport.compute(half1: maps.half1, half2: maps.half2, mask: mask).starDocument()
        let relionFSC = try relion.requireBlock("fsc").requireTable(), ourFSC = try ours.requireBlock("fsc").requireTable()
        #expect(Set(ourFSC.columns).isSubset(of: Set(relionFSC.columns)), "RELION writes \(relionFSC.columns)")
        let relionKeys = Set(try relion.requireBlock("general").pairs.map(\.key))
        #expect(Set(try ours.requireBlock("general").pairs.map(\.key)).isSubset(of: relionKeys), "RELION writes \(relionKeys)")
        #expect(ourFSC.rowCount == relionFSC.rowCount)
        for name in ["rlnSpectralIndex", "rlnResolution", "rlnAngstromResolution", "rlnFourierShellCorrelationUnmaskedMaps",
                     "rlnFourierShellCorrelationMaskedMaps"] {
            let a = try ourFSC.doubles(name), b = try relionFSC.doubles(name)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-3 * max(1, abs($1)) }, "\(name)")
        }
    }

    @Test func unmaskedStarHasNoMaskedColumnsAndCSVHasEveryShell() throws {
        let dir = TestEnv.temporaryDirectory("fsc-csv")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try FSCHalfMaps(dir: dir, n: 32, angpix: 2)
        let report = try FSCReport.compute(half1: maps.half1, half2: maps.half2)
        let fsc = try STARDocument.parse(STARWriter.render(report.starDocument())).requireBlock("fsc").requireTable()
        #expect(fsc.columns == Array(Self.columns.prefix(5)))
        #expect(try fsc.doubles("rlnFourierShellCorrelationCorrected") == (try fsc.doubles("rlnFourierShellCorrelationUnmaskedMaps")))
        let lines = report.csv().split(separator: "\n")
        #expect(lines.count == 1 + 17)
        #expect(lines[0].hasPrefix("shell,frequency_per_angstrom,resolution_angstrom,coefficients,unmasked"))
        let row8 = lines[9].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row8[0] == "8" && abs(Double(row8[2])! - 8) < 1e-9 && Int(row8[3]) == report.unmasked.counts[8])
        #expect(abs(Double(row8[4])! - report.unmasked.correlation[8]) < 1e-7 && row8[5].isEmpty)
        // The table lists every shell and the resolution.
        let table = report.table()
        #expect(table.contains(String(format: "%.2f Å", report.resolution0143.resolution!)))
        #expect(table.split(separator: "\n").filter { $0.first == " " || $0.first?.isNumber == true }.count >= 17)
    }

    @Test func angstromTicksAreRoundResolutionsAtTheirFrequencies() {
        let ticks = FSCReport.angstromTicks(maxFrequency: 1 / 3.0)
        #expect(ticks.map(\.label) == ["30", "12", "8", "6", "4.5", "3.5", "3"])
        for t in ticks { #expect(abs(1 / t.value - Double(t.label)!) < 1e-9) }
        #expect(ticks.allSatisfy { $0.value <= 1 / 3.0 + 1e-12 })
        #expect(zip(ticks, ticks.dropFirst()).allSatisfy { $1.value - $0.value >= 0.9 * (1 / 3.0) / 8 - 1e-9 })
        #expect(FSCReport.angstromTicks(maxFrequency: 1 / 2.4).map(\.label) == ["20", "10", "6", "4.5", "3.5", "3", "2.5"])
        // Very fine pixels still get ticks.
        #expect(FSCReport.angstromTicks(maxFrequency: 1 / 0.6).count >= 4)
    }

    @Test func plotShowsFourCurvesReferenceLinesAndTheAnnotatedResolution() throws {
        let dir = TestEnv.temporaryDirectory("fsc-plot")
        defer { TestEnv.removeTemporary(dir) }
        let (report, _) = try Self.maskedReport(dir)
        let plot = report.plot()
        #expect(plot.series.map(\.label) == ["Corrected", "Unmasked", "Masked", "Phase-randomised"])
        #expect(plot.referenceLines.map(\.value) == [0.143, 0.5])
        let r = try #require(report.resolution0143.resolution)
        #expect(plot.annotations.first?.text == String(format: "%.2f Å", r))
        #expect(abs(plot.annotations[0].x - 1 / r) < 1e-12)
        #expect(plot.xAxis.range == 0 ... 1 / 3.0)
        let canvas = plot.render()
        #expect(canvas.width == 960 && canvas.height == 640)
        // The marker at the crossing is drawn in black on the picture.
        let f = plot.frame(on: canvas)
        let rgb = canvas.rgbSamples()
        let px = Int(f.px(plot.annotations[0].x)), py = Int(f.py(plot.annotations[0].y))
        let o = (py * canvas.width + px) * 3
        #expect(rgb[o] < 40 && rgb[o + 1] < 40 && rgb[o + 2] < 40)
    }
}
