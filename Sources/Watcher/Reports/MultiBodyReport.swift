import EMCore
import Foundation

/// MultiBody: the resolution of each body (`_rlnEstimatedResolution` of `data_model_bodies` in
/// `run_model.star`, else where the body's gold-standard FSC in `data_model_body_N` first drops below
/// 0.143, by RELION's rule), one gallery with the views of every body map (`run_bodyNNN.mrc`), and the
/// analysis of the body motions: relion_flex_analyse's own output when the job ran it (its `*_logfile.pdf`
/// attached and the variance lines it printed into `run.out`; EMCore's amplitude histogram instead of the PDF
/// when RELION made none), otherwise EMCore's PCA of the body motions (`pcaSummary`).
public struct MultiBodyReport: JobReporter {
    public static let kinds: [JobKind] = [.multibody]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard job.state == .finished else { return b.report }
        let final = job.folder + "/run_model.star"
        guard let model = b.attempt("no body resolutions", { try ModelStar(path: final) }) else { return b.report }
        var maps: [(path: String, label: String)] = []
        var resolutions: [String] = []
        for body in model.classes {
            var r = body.resolution
            if r == nil || r == 0, let px = model.pixelSize, let box = model.boxSize,
               let curve = try? model.fsc(block: "model_body_\(body.number)") {
                r = FSCCurve(boxSize: box, pixelSize: px, correlation: curve.fsc, counts: curve.fsc.map { _ in 0 }).crossing(0.143).resolution
            }
            let text = r.map(ReportText.angstrom) ?? "?"
            b.field("Body \(body.number)", text)
            resolutions.append("body \(body.number): \(text)")
            let file = JobFiles.fileName(ofImageReference: body.referenceImage)
            maps.append((job.folder + "/" + (file.isEmpty ? String(format: "run_body%03d.mrc", body.number) : file), "body \(body.number)"))
        }
        b.line("Resolution per body: " + resolutions.joined(separator: ", "))
        let (pages, problems) = pictures.mapGallery(maps, style: job.pictureStyle, name: ReportText.stem(job) + "_bodies",
                                                    title: "\(job.jobName) body maps")
        b.attach(pages)
        problems.forEach { b.problem($0) }

        if let flex = flexAnalysis(job) {
            flex.lines.forEach { b.line($0) }
            b.attach(flex.attachments)
            // Without Ghostscript RELION leaves only EPS files: draw the amplitudes here instead.
            if flex.attachments.isEmpty {
                let pca = pcaSummary(job: job, bodyCount: model.classes.count)
                b.attach(pca.attachments)
                pca.problems.forEach { b.problem($0) }
            }
        } else {
            let pca = pcaSummary(job: job, bodyCount: model.classes.count)
            pca.lines.forEach { b.line($0) }
            b.attach(pca.attachments)
            pca.problems.forEach { b.problem($0) }
        }
        return b.report
    }

    /// relion_flex_analyse's output in the job folder, recognised by the `<root>_eigenvectors.dat` it always
    /// writes or by its `<root>_logfile.pdf` (which RELION only makes when Ghostscript is installed). Lines: the
    /// `+ Component N explains X% of variance.` lines of `run.out` (at least the first three, else as many as
    /// its "The first K eigenvectors explain" line needs) and that line. Attachments: the PDFs, if any.
    /// Nil when the job did not run it.
    func flexAnalysis(_ job: JobContext) -> (lines: [String], attachments: [NoticeAttachment])? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: job.folder) else { return nil }
        let pdfs = names.filter { $0.hasSuffix("_logfile.pdf") }.sorted()
        guard !pdfs.isEmpty || names.contains(where: { $0.hasSuffix("_eigenvectors.dat") }) else { return nil }
        var lines: [String] = []
        if let out = try? FileTail.lines(of: job.folder + "/run.out", count: 400, maxBytes: 256 << 10) {
            let quoted = Self.varianceLines(out)
            if !quoted.isEmpty { lines.append("relion_flex_analyse:\n```\n" + quoted.joined(separator: "\n") + "\n```") }
        }
        let attachments = pdfs.compactMap { name in
            FileManager.default.contents(atPath: job.folder + "/" + name).map {
                NoticeAttachment(filename: ReportText.stem(job) + "_" + name, title: "\(job.jobName) \(name)", data: $0)
            }
        }
        return (lines, attachments)
    }

    /// The variance lines of relion_flex_analyse's last run in `out`: its "Component N explains" lines for
    /// N up to max(3, K) and the "The first K eigenvectors explain … of the variance" line; lines of another
    /// wording that mention variance (the last 12) when no component line is found.
    static func varianceLines(_ out: [String]) -> [String] {
        let start = out.lastIndex { $0.hasPrefix("+ Component 1 explains") } ?? 0
        let run = Array(out[start...])
        let summary = run.first { $0.contains("eigenvectors explain") }
        let k = summary.flatMap { line -> Int? in
            let words = line.split(separator: " ")
            return words.firstIndex(of: "first").flatMap { $0 + 1 < words.count ? Int(words[$0 + 1]) : nil }
        } ?? 3
        let components = run.filter { $0.hasPrefix("+ Component ") && $0.contains("variance") }.prefix(max(3, k))
        if components.isEmpty { return Array(out.filter { $0.lowercased().contains("variance") }.suffix(12)) }
        return Array(components) + (summary.map { [$0] } ?? [])
    }

    /// EMCore's PCA of the per-particle body parameters (`MultiBodyAnalysis`, as `relion_flex_analyse
    /// --PCA_orient` and `emtools pca multibody`): the rotations and translations of every body relative to the
    /// consensus, from the `data_images_body_N` blocks of `run_data.star`, weighted per column as RELION does.
    /// Lines: the explained variance of the first three components (`PCASummary.headline()`, percent of the
    /// total variance) and how many components explain 75 %; attachment: the histogram of the particles'
    /// amplitudes along the first three eigenvectors (`PCA.amplitudePlot`, 100 bins, the report plot size).
    /// When the PCA cannot be computed (no bodies file, too few particles, unreadable tables) the only result
    /// is one line in `problems` naming the file and why.
    func pcaSummary(job: JobContext, bodyCount: Int) -> (lines: [String], attachments: [NoticeAttachment], problems: [String]) {
        let analysis: MultiBodyAnalysis
        do { analysis = try MultiBodyAnalysis(job: MultiBodyJob.locate(job.folder)) } catch {
            return ([], [], ["no PCA of the body motions: \(ReportText.describe(error))"])
        }
        let summary = analysis.summary
        let k75 = analysis.pca.componentsExplaining(0.75)
        var lines = ["Body motions (PCA of the \(bodyCount) bodies' rotations and translations): " + summary.headline()]
        let share = String(format: "%.1f %%", 100 * analysis.pca.cumulativeFraction[k75 - 1])
        lines.append(k75 == 1 ? "PC1 alone explains \(share) of the variance" : "The first \(k75) components explain \(share) of the variance")
        let name = job.jobName.hasSuffix("/") ? String(job.jobName.dropLast()) : job.jobName
        var plot = analysis.pca.amplitudePlot(analysis.amplitudes, components: 3, bins: 100,
                                              title: "\(name) body motions", rowsLabel: "Particles")
        plot.style = pictures.plotStyle
        do {
            let png = try ReportPictures.png(plot.render())
            let attachment = NoticeAttachment(filename: ReportText.stem(job) + "_pca_amplitudes.png",
                                              title: "\(job.jobName) amplitudes along the first eigenvectors", data: png)
            return (lines, [attachment], [])
        } catch {
            return (lines, [], ["no amplitude histogram: \(ReportText.describe(error))"])
        }
    }
}
