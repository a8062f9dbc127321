import EMCore
import Foundation

/// Refine3D (3D auto-refine, also helical): when finished, the final resolution (`_rlnCurrentResolution`
/// of `run_model.star`, Å), the gold-standard FSC curve of `data_model_class_1` and the three views of
/// `run_class001.mrc`; while running, the iteration reached and the current resolution (from the last
/// `run_itNNN_half1_model.star`).
public struct Refine3DReport: JobReporter {
    public static let kinds: [JobKind] = [.refine3d]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        let final = job.folder + "/run_model.star"
        guard job.state == .finished, JobFiles.exists(final) else { return progress(job, builder: b) }
        guard let model = b.attempt("no final resolution", { try ModelStar(path: final) }) else { return b.report }
        let resolution = model.currentResolution
        if let r = resolution {
            b.field("Resolution", ReportText.angstrom(r))
            b.line("Final resolution (gold-standard FSC = 0.143, unmasked): *\(ReportText.angstrom(r))*")
        } else {
            b.problem("\(final): no _rlnCurrentResolution in data_model_general")
        }
        if let c = model.classes.first {
            if let a = c.accuracyRotations { b.field("Accuracy rotations", String(format: "%.2f°", a)) }
            if let t = c.accuracyTranslations { b.field("Accuracy translations", ReportText.angstrom(t)) }
        }
        if let px = model.pixelSize, let box = model.boxSize { b.field("Box", "\(box) px at \(String(format: "%.3f", px)) Å/px") }
        if let png = b.attempt("no FSC plot", {
            let curve = try model.fsc(block: "model_class_1")
            return try pictures.fscPlot([FSCSeries(label: "gold-standard", frequency: curve.frequency, fsc: curve.fsc, color: nil)],
                                        title: "Gold-standard FSC", resolution: resolution)
        }) {
            b.attach([NoticeAttachment(filename: ReportText.stem(job) + "_fsc.png", title: "\(job.jobName) FSC", data: png)])
        }
        let map = job.folder + "/run_class001.mrc"
        if let picture = b.attempt("no picture of run_class001.mrc", {
            try pictures.singleMap(map, style: job.pictureStyle, name: ReportText.stem(job) + "_map", title: "\(job.jobName) run_class001.mrc")
        }) { b.attach([picture]) }
        return b.report
    }

    /// While running (or stopped early): the iteration reached and its resolution.
    func progress(_ job: JobContext, builder: ReportBuilder) -> JobReport {
        var b = builder
        guard let last = JobFiles.last(in: job.folder, suffix: "_half1_model.star") ?? JobFiles.last(in: job.folder, suffix: "_model.star") else {
            return b.report
        }
        b.field("Iteration", "\(last.number)")
        if let model = b.attempt("no current resolution", { try ModelStar(path: last.path) }), let r = model.currentResolution {
            b.field("Current resolution", ReportText.angstrom(r))
            b.line("Iteration \(last.number): resolution \(ReportText.angstrom(r))")
        }
        return b.report
    }
}
