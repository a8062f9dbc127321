import EMCore
import Foundation

/// PostProcess: `_rlnFinalResolution` and `_rlnBfactorUsedForSharpening` of `postprocess.star`'s
/// `data_general`, the FSC plot with the corrected, unmasked, masked and phase-randomised curves of
/// `data_fsc` (those present: without a mask RELION writes fewer), and the three views of `postprocess.mrc`.
public struct PostProcessReport: JobReporter {
    public static let kinds: [JobKind] = [.postprocess]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    /// The `data_fsc` columns drawn, with their legend labels, in drawing order.
    static let curves: [(column: String, label: String, color: Color, dash: [Double])] = [
        ("rlnFourierShellCorrelationUnmaskedMaps", "unmasked", Color(0.2, 0.5, 0.2), []),
        ("rlnFourierShellCorrelationMaskedMaps", "masked", Color(0.1, 0.35, 0.8), []),
        ("rlnCorrectedFourierShellCorrelationPhaseRandomizedMaskedMaps", "phase-randomised", Color(0.85, 0.2, 0.15), []),
        ("rlnFourierShellCorrelationCorrected", "corrected", .black, []),
    ]

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard job.state == .finished else { return b.report }
        let starPath = job.folder + "/postprocess.star"
        guard let doc = b.attempt("no final resolution", { try STARDocument.read(starPath) }) else { return b.report }
        let general = doc.block("general")
        let resolution = general?.double("rlnFinalResolution")
        if let r = resolution {
            b.field("Resolution", ReportText.angstrom(r))
            b.line("Final resolution (FSC = 0.143): *\(ReportText.angstrom(r))*")
        } else { b.problem("\(starPath): no _rlnFinalResolution in data_general") }
        if let bf = general?.double("rlnBfactorUsedForSharpening") { b.field("B-factor", String(format: "%.1f Å²", bf)) }
        if let from = general?.double("rlnRandomiseFrom") { b.field("Phases randomised from", ReportText.angstrom(from)) }
        if let mask = general?.value("rlnMaskName"), !mask.isEmpty { b.field("Mask", mask) }
        if let png = b.attempt("no FSC plot", { () -> Data in
            let table = try doc.requireBlock("fsc").requireTable()
            let f = try table.doubles("rlnResolution")
            let series = try PostProcessReport.curves.compactMap { c -> FSCSeries? in
                guard table.columnIndex(c.column) != nil else { return nil }
                return FSCSeries(label: c.label, frequency: f, fsc: try table.doubles(c.column), color: c.color, dash: c.dash)
            }
            guard !series.isEmpty else { throw STARError.missingColumn(path: starPath, block: "fsc", column: "rlnFourierShellCorrelationCorrected") }
            return try pictures.fscPlot(series, title: "FSC after post-processing", resolution: resolution)
        }) {
            b.attach([NoticeAttachment(filename: ReportText.stem(job) + "_fsc.png", title: "\(job.jobName) FSC", data: png)])
        }
        if let picture = b.attempt("no picture of postprocess.mrc", {
            try pictures.singleMap(job.folder + "/postprocess.mrc", style: job.pictureStyle, name: ReportText.stem(job) + "_map",
                                   title: "\(job.jobName) postprocess.mrc")
        }) { b.attach([picture]) }
        return b.report
    }
}
