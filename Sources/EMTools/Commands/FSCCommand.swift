import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools fsc half1 half2`: gold-standard Fourier shell correlation, unmasked or with RELION's
/// phase-randomisation correction for a mask, as a table, JSON, RELION-style STAR, CSV and a PNG plot.
struct FSCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsc",
        abstract: "Fourier shell correlation of two half-maps, with RELION's mask correction (as relion_postprocess).",
        discussion: """
        Resolutions follow relion_postprocess: the last shell before the curve first drops below 0.143 (or 0.5), \
        not interpolated (the interpolated value is shown alongside). With --mask, phases are randomised beyond \
        the shell where the unmasked FSC falls below 0.8 and the masked FSC is corrected with \
        FSC_true = (FSC_t - FSC_n) / (1 - FSC_n). Outputs are written only when everything succeeded.

        Examples:
          emtools fsc run_half1_class001_unfil.mrc run_half2_class001_unfil.mrc
          emtools fsc h1.mrc h2.mrc --mask mask.mrc --plot fsc.png --star fsc.star
          emtools fsc h1.mrc h2.mrc --angpix 1.06 --json | jq .resolution0143
        """
    )

    @Argument(help: "First half-map (MRC; cubic box).")
    var half1: String

    @Argument(help: "Second half-map (same box and pixel size).")
    var half2: String

    @Option(help: "Soft mask (MRC, values 0…1, same box) for the masked, phase-randomisation-corrected FSC.")
    var mask: String?

    @Option(help: "Pixel size in Å (default: from the half-maps' headers, which must agree).")
    var angpix: Double?

    @Option(help: "Write a PNG plot of the curves.")
    var plot: String?

    @Option(help: "Write a RELION-style STAR file (data_general and data_fsc, as postprocess.star).")
    var star: String?

    @Option(help: "Write the curves as CSV.")
    var csv: String?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    @Option(help: "With --mask: randomise phases beyond the shell where the unmasked FSC falls below this value.")
    var randomizeAtFsc: Double = 0.8

    @Option(help: "Seed of the phase randomisation.")
    var seed: UInt64 = 0

    @Flag(help: "Keep the mask-corrected curve even when the unmasked FSC reaches further (relion_postprocess --force_mask).")
    var forceMask = false

    @Flag(help: "Let FFTW time its algorithms (slow once per box size; saved as wisdom in ~/.cache/emtools).")
    var fftMeasure = false

    func validate() throws {
        if let a = angpix, !(a > 0 && a.isFinite) { throw ValidationError("--angpix must be a positive number of Å, got \(a)") }
        guard randomizeAtFsc > 0 && randomizeAtFsc < 1 else { throw ValidationError("--randomize-at-fsc must lie between 0 and 1") }
        let outputs = [plot, star, csv].compactMap { $0 }
        let inputs = [half1, half2] + (mask.map { [$0] } ?? [])
        for (i, o) in outputs.enumerated() {
            if inputs.contains(where: { samePath($0, o) }) { throw ValidationError("output \(o) would overwrite an input file") }
            if outputs[..<i].contains(where: { samePath($0, o) }) { throw ValidationError("\(o) is given for two outputs") }
        }
    }

    func run() throws {
        do {
            // Check where outputs go before the (possibly long) computation.
            for o in [plot, star, csv].compactMap({ $0 }) { try checkWritable(o) }
            var options = FSCOptions(pixelSize: angpix, randomizeBelow: randomizeAtFsc, seed: seed, forceMask: forceMask)
            if fftMeasure { options.rigor = .measure }
            let report = try FSCReport.compute(half1: half1, half2: half2, mask: mask, options: options)

            // Render every output in memory first, then write them; if one write fails, remove those written.
            var files: [(path: String, data: Data)] = []
            if let p = star { files.append((p, Data(STARWriter.render(report.starDocument()).utf8))) }
            if let p = csv { files.append((p, Data(report.csv().utf8))) }
            if let p = plot {
                let canvas = report.plot().render()
                let data = try canvas.rgbSamples().withUnsafeBytes {
                    try PNGFile.encode($0, width: canvas.width, height: canvas.height, format: .rgb8, path: p)
                }
                files.append((p, data))
            }
            var written: [String] = []
            do {
                for f in files { try AtomicFile.write(f.data, to: f.path); written.append(f.path) }
            } catch {
                for w in written { try? FileManager.default.removeItem(atPath: w) }
                throw error
            }

            for w in report.warnings { printError("emtools: warning: \(w)") }
            hintMeasure()
            if json { try printJSON(report.summary) } else { print(report.table(), terminator: "") }
        } catch {
            report(error)
            throw ExitCode(1)
        }
    }

    /// On a terminal, when a large transform was planned by estimate (nothing cached for this box size), say
    /// that measuring once makes later runs faster (about 1.8× at 256³ on a 2-core machine, docs/fsc.md).
    /// Scripts and cron jobs (stderr not a terminal) never see it.
    private func hintMeasure() {
        guard !fftMeasure, isatty(STDERR_FILENO) == 1,
              let big = FFTPlan.estimatedSizes.first, big.count >= 128 * 128 * 128 else { return }
        printError("emtools: tip: FFTW plans for \(big) were estimated; run once with --fft-measure (slow once, cached "
                   + "in ~/.cache/emtools) and later FSCs of this box size run faster (1.8× at 256³, docs/fsc.md)")
    }

    /// Throw a one-line error when `path` cannot be created: its folder is missing or not writable, or it is
    /// an existing folder.
    private func checkWritable(_ path: String) throws {
        if Path.isDirectory(path) {
            throw FileError.cannotWrite(path: path, reason: "is a directory")
        }
        let dir = Path.directory(path)
        let folder = dir.isEmpty ? "." : dir
        guard Path.isDirectory(folder) else {
            throw FileError.cannotWrite(path: path, reason: "folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else { throw FileError.cannotWrite(path: path, reason: "folder \(folder) is not writable") }
    }

    private func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
