import Dispatch
import FoundationEssentials
import Glibc

/// One resolution shell of an `FSCReport`, as the table, CSV and JSON outputs list it.
public struct FSCShellRow: Codable, Equatable {
    /// Shell index i (0 … box/2).
    public var shell: Int
    /// Spatial frequency i / (box·pixel size) in 1/Å.
    public var frequency: Double
    /// Resolution box·pixel size / i in Å; nil for shell 0.
    public var resolution: Double?
    /// Fourier coefficients in the shell (over the half-complex array, as RELION counts them).
    public var coefficients: Int
    /// FSC of the unmasked half-maps.
    public var unmasked: Double
    /// FSC of the masked half-maps (FSCₜ); nil without a mask.
    public var masked: Double?
    /// FSC of the phase-randomised, masked half-maps (FSCₙ); nil without a mask or randomisation.
    public var phaseRandomizedMasked: Double?
    /// Mask-corrected FSC, (FSCₜ − FSCₙ)/(1 − FSCₙ) from the randomisation shell + 2 on; nil without a mask.
    public var corrected: Double?
    /// The curve the resolution is read from (`FSCReport.final`).
    public var final: Double
}

/// The machine-readable form of an `FSCReport` (what `emtools fsc --json` prints): resolutions, settings and
/// every shell. Resolutions in Å, frequencies in 1/Å.
public struct FSCSummary: Codable, Equatable {
    public var half1: String
    public var half2: String
    public var mask: String?
    /// Box edge in voxels.
    public var boxSize: Int
    /// Pixel size in Å.
    public var pixelSize: Double
    /// Nyquist resolution, 2 × pixel size, in Å.
    public var nyquist: Double
    /// Which curve the resolutions come from: "corrected" (mask used) or "unmasked".
    public var finalCurve: String
    /// Where the final curve falls below 0.143 (RELION's rule, see `FSCCurve.crossing`).
    public var resolution0143: FSCCrossing
    /// Where the final curve falls below 0.5.
    public var resolution05: FSCCrossing
    /// Shell from which phases were randomised, and its resolution in Å (with a mask).
    public var randomizedFromShell: Int?
    public var randomizedFromAngstrom: Double?
    public var warnings: [String]
    public var shells: [FSCShellRow]
}

extension FSCReport {
    /// Every shell with all curves the report holds.
    public var rows: [FSCShellRow] {
        let fin = final
        return (0 ..< unmasked.shellCount).map { i in
            FSCShellRow(shell: i, frequency: unmasked.spatialFrequency(i), resolution: i == 0 ? nil : unmasked.resolution(i),
                        coefficients: unmasked.counts[i], unmasked: unmasked.correlation[i], masked: masked?.correlation[i],
                        phaseRandomizedMasked: randomizedMasked?.correlation[i], corrected: corrected?.correlation[i],
                        final: fin.correlation[i])
        }
    }

    /// The report in the shape `--json` prints.
    public var summary: FSCSummary {
        FSCSummary(half1: half1, half2: half2, mask: mask, boxSize: boxSize, pixelSize: pixelSize, nyquist: 2 * pixelSize,
                   finalCurve: usesMask ? "corrected" : "unmasked", resolution0143: resolution0143, resolution05: resolution05,
                   randomizedFromShell: randomizedFromShell,
                   randomizedFromAngstrom: randomizedFromShell.map { unmasked.resolution($0) },
                   warnings: warnings, shells: rows)
    }

    /// The report as a STAR document laid out like `relion_postprocess`'s `postprocess.star`:
    ///
    /// - `data_general`: `_rlnFinalResolution` (Å, the 0.143 crossing of the final curve; 999 when there is none,
    ///   as RELION writes), `_rlnUnfilteredMapHalf1`, `_rlnUnfilteredMapHalf2`, and with a mask `_rlnMaskName` and
    ///   `_rlnRandomiseFrom` (Å).
    /// - `data_fsc`: one row per shell with `_rlnSpectralIndex`, `_rlnResolution` (1/Å), `_rlnAngstromResolution`
    ///   (Å; shell 0 is written as 999 Å and 1/999 Å⁻¹, as RELION does), `_rlnFourierShellCorrelationCorrected`
    ///   (the final curve: the corrected one, or the unmasked one when there is no mask or the mask was not used —
    ///   RELION omits this column without a mask; we always write it so readers find the final curve under one
    ///   name), `_rlnFourierShellCorrelationUnmaskedMaps`, and with a mask
    ///   `_rlnFourierShellCorrelationMaskedMaps` and `_rlnCorrectedFourierShellCorrelationPhaseRandomizedMaskedMaps`.
    public func starDocument() -> STARDocument {
        var pairs: [(key: String, value: String)] = [
            ("rlnFinalResolution", f6(resolution0143.resolution ?? 999)),
            ("rlnUnfilteredMapHalf1", half1),
            ("rlnUnfilteredMapHalf2", half2),
        ]
        if let m = mask { pairs.append(("rlnMaskName", m)) }
        if let r = randomizedFromShell { pairs.append(("rlnRandomiseFrom", f6(unmasked.resolution(r)))) }
        var columns = ["rlnSpectralIndex", "rlnResolution", "rlnAngstromResolution", "rlnFourierShellCorrelationCorrected",
                       "rlnFourierShellCorrelationUnmaskedMaps"]
        if masked != nil { columns.append("rlnFourierShellCorrelationMaskedMaps") }
        if randomizedMasked != nil { columns.append("rlnCorrectedFourierShellCorrelationPhaseRandomizedMaskedMaps") }
        let table = rows.map { r -> [String] in
            let angstrom = r.resolution ?? 999
            var row = [String(r.shell), f6(1 / angstrom), f6(angstrom), f6(r.final), f6(r.unmasked)]
            if let v = r.masked { row.append(f6(v)) }
            if let v = r.phaseRandomizedMasked { row.append(f6(v)) }
            return row
        }
        return STARDocument(blocks: [STARBlock(name: "general", pairs: pairs),
                                     STARBlock(name: "fsc", tables: [STARTable(columns: columns, rows: table, blockName: "fsc")])])
    }

    /// The shells as CSV (comma-separated, one header line): `shell, frequency_per_angstrom, resolution_angstrom,
    /// coefficients, unmasked, masked, phase_randomized_masked, corrected, final`. Missing values (shell 0's
    /// resolution, masked curves without a mask) are empty fields.
    public func csv() -> String {
        var out = "shell,frequency_per_angstrom,resolution_angstrom,coefficients,unmasked,masked,phase_randomized_masked,corrected,final\n"
        func g(_ v: Double?) -> String { v.map { String(cFormat: "%.8g", $0) } ?? "" }
        for r in rows {
            out += [String(r.shell), g(r.frequency), g(r.resolution), String(r.coefficients), g(r.unmasked), g(r.masked),
                    g(r.phaseRandomizedMasked), g(r.corrected), g(r.final)].joined(separator: ",") + "\n"
        }
        return out
    }

    /// A report for people: the inputs, the resolutions (with the shell and the interpolated value) and an
    /// aligned table of every shell. Warnings are not included (the CLI prints them on standard error).
    public func table() -> String {
        var out = "FSC of \(half1) and \(half2)" + (mask.map { " with mask \($0)" } ?? "") + "\n"
        out += String(cFormat: "Box %d voxels at %.4f Å/pixel (Nyquist %.2f Å)\n", boxSize, pixelSize, 2 * pixelSize)
        if let r = randomizedFromShell {
            out += String(cFormat: "Phases randomised beyond %.2f Å (shell %d)\n", unmasked.resolution(r), r)
        }
        let curve = usesMask ? "mask-corrected curve" : (mask == nil ? "unmasked curve" : "unmasked curve; the mask was not used")
        for c in [resolution0143, resolution05] {
            let t = String(cFormat: "%g:", c.threshold)
            out += "Resolution at FSC = " + t.padded(to: 7) + describe(c, curve: curve) + "\n"
        }
        out += "\n"
        var header = ["shell", "1/Å", "Å", "coeffs", "unmasked"]
        if masked != nil { header += ["masked", "randomised"] }
        if corrected != nil { header.append("corrected") }
        var lines = [header]
        for r in rows {
            var l = [String(r.shell), String(cFormat: "%.4f", r.frequency), r.resolution.map { String(cFormat: "%.2f", $0) } ?? "-",
                     String(r.coefficients), String(cFormat: "%.4f", r.unmasked)]
            if masked != nil { l += [r.masked.map { String(cFormat: "%.4f", $0) } ?? "", r.phaseRandomizedMasked.map { String(cFormat: "%.4f", $0) } ?? "-"] }
            if let v = r.corrected { l.append(String(cFormat: "%.4f", v)) }
            lines.append(l)
        }
        let widths = (0 ..< header.count).map { c in lines.map { $0[c].count }.max() ?? 0 }
        for l in lines {
            out += l.enumerated().map { String(repeating: " ", count: widths[$0.offset] - $0.element.count) + $0.element }
                .joined(separator: "  ") + "\n"
        }
        return out
    }

    /// "4.36 Å  (shell 22, interpolated 4.21 Å; mask-corrected curve)", or why there is no number.
    func describe(_ c: FSCCrossing, curve: String) -> String {
        guard let r = c.resolution else { return "none  (the \(curve) is below the threshold from the first shell)" }
        var s = String(cFormat: "%.2f Å  (shell %d", r, c.shell)
        if c.reachesLastShell { s += ", never falls below: limited by Nyquist" } else if let i = c.interpolatedResolution {
            s += String(cFormat: ", interpolated %.2f Å", i)
        }
        return s + "; \(curve))"
    }

    private func f6(_ v: Double) -> String { String(cFormat: "%.6f", v) }
}
