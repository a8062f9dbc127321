import Dispatch
import FoundationEssentials
import Glibc

/// Settings of a gold-standard FSC run.
public struct FSCOptions {
    /// Pixel size in Å overriding the headers; nil to use the half-maps' headers.
    public var pixelSize: Double?
    /// With a mask, randomise phases from the first shell (after 0) where the unmasked FSC falls below this
    /// value (RELION's `--randomize_at_fsc`, default 0.8).
    public var randomizeBelow: Double
    /// With a mask, randomise from this shell instead (RELION's `--randomize_at_A` expressed as a shell).
    public var randomizeFromShell: Int?
    /// Seed of the phase randomisation (the same seed gives the same curves).
    public var seed: UInt64
    /// Keep the masked result even when the unmasked FSC reaches further (RELION's `--force_mask`).
    public var forceMask: Bool
    /// FFTW planning rigour when no wisdom is cached.
    public var rigor: FFTPlan.Rigor

    public init(pixelSize: Double? = nil, randomizeBelow: Double = 0.8, randomizeFromShell: Int? = nil, seed: UInt64 = 0,
                forceMask: Bool = false, rigor: FFTPlan.Rigor = .fromEnvironment) {
        self.pixelSize = pixelSize; self.randomizeBelow = randomizeBelow; self.randomizeFromShell = randomizeFromShell
        self.seed = seed; self.forceMask = forceMask; self.rigor = rigor
    }
}

/// The gold-standard FSC of two half-maps, unmasked and (with a mask) masked with RELION's phase-randomisation
/// correction, as `relion_postprocess` computes it:
///
/// 1. `unmasked`: FSC of the two half-maps.
/// 2. With a mask: phases of both half-maps are randomised beyond the first shell R (> 0) where `unmasked`
///    falls below 0.8; the randomised maps are masked and their FSC is `randomizedMasked` (FSCₙ). `masked` is
///    the FSC of the masked half-maps (FSCₜ). `corrected` equals `masked` below shell R + 2 and
///    `(FSCₜ − FSCₙ) / (1 − FSCₙ)` from R + 2 on. If the unmasked FSC never falls below 0.8 (RELION stops with
///    an error there), phases are not randomised, `corrected` is the masked curve and a warning says so.
/// 3. The final curve is `corrected`, except when the unmasked curve crosses 0.143 at a higher shell (the mask
///    hurts): then, unless `forceMask`, the unmasked curve is used and a warning says so (as RELION does).
///
/// Resolutions follow RELION's crossing rule (see `FSCCurve.crossing`).
public struct FSCReport: Codable {
    /// Path of the first half-map, as given.
    public var half1: String
    /// Path of the second half-map, as given.
    public var half2: String
    /// Path of the mask, when one was given.
    public var mask: String?
    /// Box edge in voxels.
    public var boxSize: Int
    /// Pixel size in Å used for all resolutions.
    public var pixelSize: Double
    public var unmasked: FSCCurve
    public var masked: FSCCurve?
    public var randomizedMasked: FSCCurve?
    public var corrected: FSCCurve?
    /// Shell from which phases were randomised (with a mask).
    public var randomizedFromShell: Int?
    /// True when the final curve is the mask-corrected one; false without a mask or after falling back.
    public var usesMask: Bool
    /// Things a user should know (fallbacks, suspicious masks).
    public var warnings: [String]

    /// The curve the resolution is read from: `corrected` when the mask is used, else `unmasked`.
    public var final: FSCCurve { usesMask ? corrected ?? unmasked : unmasked }
    /// Gold-standard resolution: where `final` falls below 0.143.
    public var resolution0143: FSCCrossing { final.crossing(0.143) }
    /// Where `final` falls below 0.5.
    public var resolution05: FSCCrossing { final.crossing(0.5) }

    /// Compute the report for two half-map files and an optional soft mask file (values 0…1).
    /// Memory: the two half-maps' transforms (each about one Float32 copy of a map) plus the mask.
    /// - Throws: `FileError`/`MRCError` for unreadable files, `FourierError` for boxes, pixel sizes or masks that
    ///   don't fit.
    /// - Complexity: 2 forward FFTs without a mask, 8 FFTs (forward and inverse) with one.
    public static func compute(half1: String, half2: String, mask maskPath: String? = nil, options: FSCOptions = FSCOptions()) throws -> FSCReport {
        let f1 = try MRCFile.open(half1), f2 = try MRCFile.open(half2)
        let size = f1.gridSize
        guard size.nx == size.ny && (size.nz == size.nx || size.nz == 1) else { throw FourierError.notCubic(path: half1, size: size) }
        guard size.nx >= 4 else { throw FourierError.tooSmall(path: half1, size: size) }
        guard f2.gridSize == size else { throw FourierError.halfMapSizes(path1: half1, size1: size, path2: half2, size2: f2.gridSize) }
        let angpix = try pixelSize(f1, f2, override: options.pixelSize)
        var warnings: [String] = []
        func resolved(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        if resolved(half1) == resolved(half2) {
            warnings.append("\(half1) is given as both half-maps: the FSC is 1 everywhere and says nothing about resolution")
        }

        var mask: Volume? = nil
        if let mp = maskPath {
            let mf = try MRCFile.open(mp)
            guard mf.gridSize == size else { throw FourierError.maskSize(path: mp, mask: mf.gridSize, maps: size) }
            let (m, stats) = try mf.readVolumeAndStatistics()
            guard stats.min >= -1e-6, stats.max <= 1 + 1e-6 else { throw FourierError.maskRange(path: mp, min: stats.min, max: stats.max) }
            guard stats.max > 0 else { throw FourierError.emptyMask(path: mp) }
            let mv = mf.header.voxelSize
            if mv.isKnown && abs(mv.x - angpix) > 1e-3 * angpix {
                warnings.append("\(mp): " + String(cFormat: "mask pixel size %.4f Å differs from the half-maps' %.4f Å", mv.x, angpix))
            }
            mask = m
        }

        // Not zeroed: the loads below write every voxel and pad float.
        let a = try FourierVolume(size: size, rigor: options.rigor, zeroed: false)
        let b = try FourierVolume(size: size, rigor: options.rigor, zeroed: false)
        try a.load(f1); try b.load(f2)
        try a.forward(); try b.forward()
        let unmasked = FSCCurve(a, b, pixelSize: angpix)
        guard unmasked.correlation.allSatisfy(\.isFinite) else { throw FourierError.notFinite(path1: half1, path2: half2) }
        var report = FSCReport(half1: half1, half2: half2, mask: maskPath, boxSize: size.nx, pixelSize: angpix, unmasked: unmasked,
                               usesMask: false, warnings: warnings)
        guard let m = mask, let mp = maskPath else { return report }

        // Phase-randomised, masked half-maps (FSCₙ), from the spectra already in hand.
        let r = options.randomizeFromShell ?? unmasked.correlation.indices.dropFirst().first { unmasked.correlation[$0] < options.randomizeBelow }
        var randomized: FSCCurve? = nil
        if let r, r > 0, r < unmasked.shellCount {
            a.randomizePhases(beyond: r, seed: options.seed)
            b.randomizePhases(beyond: r, seed: options.seed ^ 0xA5A5_A5A5_5A5A_5A5A)
            try a.inverse(); try b.inverse()
            a.multiply(by: m); b.multiply(by: m)
            try a.forward(); try b.forward()
            randomized = FSCCurve(a, b, pixelSize: angpix)
        } else {
            report.warnings.append(String(cFormat: "the unmasked FSC never falls below %.3g, so phases were not randomised; the masked FSC is not corrected", options.randomizeBelow))
        }

        // Masked half-maps (FSCₜ), re-read from the (memory-mapped) files.
        try a.load(f1, multipliedBy: m); try b.load(f2, multipliedBy: m)
        try a.forward(); try b.forward()
        let masked = FSCCurve(a, b, pixelSize: angpix)
        guard masked.correlation.allSatisfy(\.isFinite) else { throw FourierError.notFinite(path1: half1, path2: mp) }

        // RELION's convention at the origin ("sometimes the FSC at the origin becomes -1"): a non-positive value
        // of the masked or phase-randomised curve at shell 0 is reported as 1.
        var maskedOut = masked, randomizedOut = randomized
        if maskedOut.correlation[0] <= 0 { maskedOut.correlation[0] = 1 }
        if let c = randomizedOut?.correlation[0], c <= 0 { randomizedOut!.correlation[0] = 1 }
        report.masked = maskedOut
        report.randomizedMasked = randomizedOut
        report.randomizedFromShell = randomized == nil ? nil : r
        report.corrected = correct(masked: masked, randomized: randomized, from: randomized == nil ? nil : r)
        report.usesMask = true
        let unmaskedShell = unmasked.crossing(0.143).shell, correctedShell = report.corrected!.crossing(0.143).shell
        if unmaskedShell > correctedShell {
            if options.forceMask {
                report.warnings.append("the unmasked FSC extends beyond the mask-corrected FSC; keeping the mask as asked")
            } else {
                report.usesMask = false
                report.warnings.append("the unmasked FSC extends beyond the mask-corrected FSC, so the unmasked curve is used; check the mask or force it with --force-mask")
            }
        } else if let rnd = randomized, correctedShell < rnd.shellCount, rnd.correlation[correctedShell] > 0.1 {
            report.warnings.append(String(cFormat: "the phase-randomised masked FSC is %.3f (> 0.10) at the estimated resolution; a softer mask would give a more reliable estimate", rnd.correlation[correctedShell]))
        }
        return report
    }

    /// RELION's correction of a masked FSC: FSC_true = (FSCₜ − FSCₙ) / (1 − FSCₙ) from shell `from` + 2 on,
    /// FSCₜ below (and everywhere when there is no randomised curve). A non-positive value at shell 0 is set to 1.
    public static func correct(masked: FSCCurve, randomized: FSCCurve?, from shell: Int?) -> FSCCurve {
        var out = masked
        if out.correlation[0] <= 0 { out.correlation[0] = 1 }
        guard let rnd = randomized, let r = shell else { return out }
        for i in out.correlation.indices where i >= r + 2 {
            let t = masked.correlation[i], n = i == 0 && rnd.correlation[0] <= 0 ? 1 : rnd.correlation[i]
            out.correlation[i] = 1 - n != 0 ? (t - n) / (1 - n) : t
        }
        return out
    }

    /// The pixel size to use: the override, or the headers' (which must agree and be isotropic), to 7 significant digits.
    static func pixelSize(_ f1: MRCFile, _ f2: MRCFile, override: Double?) throws -> Double {
        if let a = override {
            guard a > 0, a.isFinite else { throw FourierError.badPixelSize(a) }
            return a
        }
        let v1 = f1.header.voxelSize, v2 = f2.header.voxelSize
        let usable1 = v1.isKnown && v1.isIsotropic && v1.x > 0, usable2 = v2.isKnown && v2.isIsotropic && v2.x > 0
        if usable1 && usable2 && abs(v1.x - v2.x) > 1e-4 * v1.x {
            throw FourierError.pixelSizes(path1: f1.path, size1: v1.x, path2: f2.path, size2: v2.x)
        }
        // Header pixel sizes are cell / sampling in Float32 (1.2 Å reads as 1.19999997…): keep the 7 significant
        // digits the header actually carries, so resolutions print as 7.68 Å rather than 7.6799998 Å.
        func clean(_ a: Double) -> Double { Double(String(cFormat: "%.7g", a)) ?? a }
        if usable1 { return clean(v1.x) }
        if usable2 && !v1.isKnown { return clean(v2.x) }
        throw FourierError.unknownPixelSize(path: usable2 ? f1.path : f1.path, found: v1)
    }
}
