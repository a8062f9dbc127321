import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools pca`: principal components of STAR columns (`emtools pca table.star --columns a,b,c`) or of the
/// body motions of a RELION multi-body refinement (`emtools pca multibody MultiBody/job010`).
struct PCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "Principal components of STAR columns or of multi-body motions (eigenvalues, variance, amplitudes).",
        discussion: """
        Examples:
          emtools pca particles.star --columns rlnAngleRot,rlnAngleTilt,rlnDefocusU --standardize
          emtools pca multibody MultiBody/job010 --plot pcs.png --select 1 --min -10 --max 10 --out subset.star
        """,
        subcommands: [PCATableCommand.self, PCAMultiBodyCommand.self],
        defaultSubcommand: PCATableCommand.self
    )
}

/// Options shared by both forms: output format, plot and selection.
struct PCAOutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Write a PNG histogram of the amplitudes along the first eigenvectors.", valueName: "out.png"))
    var plot: String?

    @Option(help: "Number of leading components to show in the text report and the plot.")
    var components = 3

    @Option(help: "Number of histogram bins in the plot.")
    var bins = 100

    @Option(help: ArgumentHelp("Write every row's amplitudes along every component as tab-separated text.", valueName: "out.tsv"))
    var amplitudes: String?

    @Option(help: ArgumentHelp("Select rows by their amplitude along component N (1-based); needs --out.", valueName: "N"))
    var select: Int?

    @Option(parsing: .unconditional, help: "Keep rows whose amplitude is greater than this (strict, as relion_flex_analyse); may be negative.")
    var min: Double?

    @Option(parsing: .unconditional, help: "Keep rows whose amplitude is less than this (strict); may be negative.")
    var max: Double?

    @Option(help: ArgumentHelp("Where to write the selected rows as STAR.", valueName: "subset.star"))
    var out: String?

    func validate() throws {
        if components < 1 { throw ValidationError("--components must be at least 1") }
        if bins < 1 || bins > 100_000 { throw ValidationError("--bins must be between 1 and 100000") }
        if select != nil && out == nil { throw ValidationError("--select needs --out subset.star") }
        if select == nil && (out != nil || min != nil || max != nil) { throw ValidationError("--out, --min and --max need --select N") }
        if let s = select, s < 1 { throw ValidationError("--select counts components from 1") }
        if let a = min, let b = max, !(a < b) { throw ValidationError("--min must be less than --max") }
        let outputs = [plot, amplitudes, out]
        for (i, o) in outputs.enumerated() {
            if let o = o, outputs[..<i].contains(where: { $0.map { sameFile($0, o) } ?? false }) {
                throw ValidationError("\(o) is given for two outputs")
            }
        }
    }
}

/// `emtools pca [table] FILE --columns a,b,c`.
struct PCATableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "PCA of numeric columns of a STAR file (the default form of `emtools pca`).",
        discussion: "Covariance divided by N - 1 (as numpy.cov); --standardize analyses the correlation matrix instead."
    )

    @Argument(help: "A STAR file.")
    var file: String

    @Option(help: ArgumentHelp("Comma-separated column names (with or without the leading _).", valueName: "a,b,c"))
    var columns: String

    @Option(help: "The data block holding the columns (default: the first block that has the first column).")
    var block: String?

    @Flag(help: "Divide each centred column by its standard deviation (constant columns are refused).")
    var standardize = false

    @Flag(help: "Divide the covariance by N (as RELION) instead of N - 1 (as numpy.cov).")
    var population = false

    @OptionGroup var output: PCAOutputOptions

    func validate() throws {
        if columnList.isEmpty { throw ValidationError("--columns needs at least one column name") }
        try refuseOverwritingInputs(outputs: [output.plot, output.amplitudes, output.out], inputs: [file])
    }

    var columnList: [String] {
        columns.split(separator: ",").map { STARTable.normalise($0.trimmingBlanks()) }.filter { !$0.isEmpty }
    }

    func run() throws {
        do {
            let doc = try STARDocument.read(file)
            let names = columnList
            let blockIndex: Int
            if let b = block {
                let n = b.hasPrefix("data_") ? String(b.dropFirst(5)) : b
                guard let i = doc.blocks.firstIndex(where: { $0.name == n }) else { throw STARError.missingBlock(path: file, block: n) }
                blockIndex = i
            } else {
                blockIndex = doc.blocks.firstIndex { $0.table(with: names[0]) != nil } ?? 0
            }
            guard blockIndex < doc.blocks.count else { throw STARError.missingBlock(path: file, block: block ?? "(any)") }
            let blk = doc.blocks[blockIndex]
            guard let table = blk.table(with: names[0]) ?? blk.table else { throw STARError.missingBlock(path: file, block: "\(blk.name) (a loop)") }
            let data = try Matrix(columns: names, of: table)
            let pca = try PCA(data, columnNames: names, source: file, standardize: standardize, divisor: population ? .population : .sample)
            let amplitudes = pca.project(data)
            var selection: PCAReport.Selection? = nil
            var subset: STARDocument? = nil
            if let k = output.select {
                guard k <= names.count else { throw PCAError.noSuchComponent(source: file, component: k, components: names.count) }
                let rows = PCA.select(amplitudes, component: k, min: output.min ?? -.infinity, max: output.max ?? .infinity)
                var d = doc
                let t = d.blocks[blockIndex].tables.firstIndex { $0.columnIndex(names[0]) != nil } ?? 0
                d.blocks[blockIndex].tables[t] = table.selecting(rows: rows)
                subset = d
                selection = .init(component: k, min: output.min, max: output.max, rows: rows.count, path: output.out!)
            }
            try PCAReport.emit(pca: pca, amplitudes: amplitudes, source: file, output: output, selection: selection, subset: subset, weights: nil, rowsLabel: "Rows",
                               rowNames: table.columnIndex("rlnImageName").map { _ in (try? table.strings("rlnImageName")) ?? [] })
        } catch let e as ExitCode { throw e } catch { report(error); throw ExitCode(1) }
    }
}

/// `emtools pca multibody JOBDIR`.
struct PCAMultiBodyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multibody",
        abstract: "Principal motions of a RELION multi-body refinement, as relion_flex_analyse --PCA_orient.",
        discussion: """
        Reads JOBDIR/run_data.star, run_model.star and the bodies STAR file named in job.star (or note.txt),
        builds RELION's table of 6 weighted parameters per body (rot, tilt, psi, x, y, z) and reports the
        eigenvalues, percentages of variance and eigenvectors. Selections write data_optics + data_particles.
        """
    )

    @Argument(help: "The multi-body job folder (e.g. MultiBody/job010).")
    var job: String

    @Option(help: ArgumentHelp("The bodies STAR file (default: from job.star or note.txt).", valueName: "bodies.star"))
    var bodies: String?

    @Option(help: ArgumentHelp("Use the column weights in RELION's *_pca_weights.dat instead of computing them.", valueName: "file"))
    var weights: String?

    @OptionGroup var output: PCAOutputOptions

    func run() throws {
        do {
            let j = try MultiBodyJob.locate(job, bodies: bodies)
            try refuseOverwritingInputs(outputs: [output.plot, output.amplitudes, output.out],
                                        inputs: [j.dataPath, j.modelPath, j.bodiesPath] + (weights.map { [$0] } ?? []))
            let w = try weights.map { try MultiBodyParameters.readWeights($0) }
            let analysis = try MultiBodyAnalysis(job: j, weights: w)
            var selection: PCAReport.Selection? = nil
            var subset: STARDocument? = nil
            if let k = output.select {
                let p = analysis.pca.eigenvalues.count
                guard k <= p else { throw PCAError.noSuchComponent(source: j.dataPath, component: k, components: p) }
                let s = try analysis.selection(component: k, min: output.min ?? -.infinity, max: output.max ?? .infinity)
                subset = s.document
                selection = .init(component: k, min: output.min, max: output.max, rows: s.count, path: output.out!)
            }
            try PCAReport.emit(pca: analysis.pca, amplitudes: analysis.amplitudes, source: j.dataPath, output: output,
                               selection: selection, subset: subset, weights: analysis.parameters.weights, rowsLabel: "Particles",
                               rowNames: try? analysis.parameters.data.requireBlock("particles").requireTable().strings("rlnImageName"))
        } catch let e as ExitCode { throw e } catch { report(error); throw ExitCode(1) }
    }
}

/// Printing and writing the results of either form.
enum PCAReport {
    struct Selection: Encodable {
        let component: Int
        let min: Double?, max: Double?
        let rows: Int
        let path: String
    }

    struct Document: Encodable {
        let pca: PCASummary
        let weights: [[Double]]?
        let plot: String?
        let amplitudes: String?
        let selection: Selection?
    }

    /// Write the plot and the subset (each atomically), then print the report.
    static func emit(pca: PCA, amplitudes: Matrix, source: String, output: PCAOutputOptions, selection: Selection?,
                     subset: STARDocument?, weights: [[Double]]?, rowsLabel: String, rowNames: [String]?) throws {
        // Check every output folder first, so that a bad path leaves no other output half written.
        for path in [output.plot, output.out, output.amplitudes].compactMap({ $0 }) {
            let dir = Path.directory(path)
            guard access(dir.isEmpty ? "." : dir, W_OK) == 0 else {
                throw FileError.cannotWrite(path: path, reason: "folder \(dir.isEmpty ? "." : dir) is missing or not writable")
            }
        }
        var writes: [(path: String, write: () throws -> Void)] = []
        if let plot = output.plot {
            writes.append((plot, { try pca.amplitudePlot(amplitudes, components: output.components, bins: output.bins, rowsLabel: rowsLabel).writePNG(to: plot) }))
        }
        if let s = subset, let path = output.out { writes.append((path, { try STARWriter.write(s, to: path) })) }
        if let path = output.amplitudes { writes.append((path, { try writeAmplitudes(amplitudes, names: rowNames, to: path) })) }
        try writeOutputs(writes)
        let summary = PCASummary(pca: pca, amplitudes: amplitudes, source: source)
        if output.json {
            try printJSON(Document(pca: summary, weights: weights, plot: output.plot, amplitudes: output.amplitudes, selection: selection))
            return
        }
        print(text(summary, shown: output.components, weights: weights), terminator: "")
        if let p = output.plot { print("plot: \(p)") }
        if let p = output.amplitudes { print("amplitudes: \(p)") }
        if let s = selection {
            let range = "(\(s.min.map { fmt($0) } ?? "-inf"), \(s.max.map { fmt($0) } ?? "inf"))"
            print("selected \(s.rows) of \(summary.rows) rows with amplitude along component \(s.component) in \(range): \(s.path)")
        }
    }

    static func fmt(_ v: Double) -> String { String(cFormat: "%.6g", v) }

    /// One line per row: its 1-based number, its rlnImageName when known, and its amplitude along each
    /// component (as RELION's `--write_pca_projections`, with a header line).
    static func writeAmplitudes(_ a: Matrix, names: [String]?, to path: String) throws {
        let named = names?.count == a.rows
        var text = "row" + (named ? "\trlnImageName" : "") + (1 ... a.columns).map { "\tPC\($0)" }.joined() + "\n"
        for r in 0 ..< a.rows {
            text += String(r + 1) + (named ? "\t" + names![r] : "")
            for k in 0 ..< a.columns { text += "\t" + String(cFormat: "%.10g", a[r, k]) }
            text += "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    /// `s` right-aligned in `width` characters.
    static func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - s.count)) + s }

    /// The text report: one line per component, then the leading eigenvectors by column.
    static func text(_ s: PCASummary, shown: Int, weights: [[Double]]?) -> String {
        let k = Swift.min(shown, s.components.count)
        var out = "\(s.source): PCA of \(s.columns.count) columns, \(s.rows) rows; covariance divided by "
        out += (s.divisor == .sample ? "N-1" : "N") + (s.standardized ? ", columns standardised" : "") + "\n"
        if let w = weights {
            out += "column weights (rot tilt psi offset):\n"
            for (b, ws) in w.enumerated() { out += "  body \(b + 1): " + ws.map { String(cFormat: "%.6e", $0) }.joined(separator: " ") + "\n" }
        }
        out += "component  eigenvalue     percent  cumulative  amplitude range\n"
        for c in s.components {
            out += String(cFormat: "%9d  %-12.6g %7.3f%%  %9.3f%%  %.4g … %.4g\n", c.number, c.eigenvalue, c.percent,
                          c.cumulativePercent, c.amplitudeMin, c.amplitudeMax)
        }
        // As relion_flex_analyse reports for its default --v 0.75.
        if let k75 = s.components.first(where: { $0.cumulativePercent >= 75 - 1e-9 }) {
            out += "the first \(k75.number) component\(k75.number == 1 ? "" : "s") explain "
                + String(cFormat: "%.3f%% of the variance (at least 75%%)\n", k75.cumulativePercent)
        }
        let width = Swift.max(8, (s.columns.map(\.count).max() ?? 0) + 2)
        out += "eigenvectors:\n" + "column".padded(to: width)
        out += (1 ... Swift.max(1, k)).map { pad("PC\($0)", 10) }.joined() + "\n"
        for (j, name) in s.columns.enumerated() {
            out += name.padded(to: width)
            out += s.components.prefix(k).map { String(cFormat: "%10.5f", $0.vector[j]) }.joined() + "\n"
        }
        return out
    }
}
