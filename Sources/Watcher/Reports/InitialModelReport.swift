import EMCore
import Foundation

/// InitialModel: one gallery of every map of the last iteration (`run_itNNN_classNNN.mrc`, labelled with
/// occupancy) and, in RELION 4 and 5, `initial_model.mrc` (the aligned, symmetrised result); a single map is
/// shown in three views.
public struct InitialModelReport: JobReporter {
    public static let kinds: [JobKind] = [.initialmodel]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard job.state == .finished else { return b.report }
        var maps: [(path: String, label: String)] = []
        if let last = JobFiles.last(in: job.folder, suffix: "_model.star"),
           let model = b.attempt("no class table", { try ModelStar(path: last.path) }) {
            b.field("Iteration", "\(last.number)")
            b.field("Classes", "\(model.classes.count)")
            for c in model.classes {
                maps.append((job.folder + "/" + JobFiles.fileName(ofImageReference: c.referenceImage),
                             ReportText.classLabel(c.number, occupancy: model.classes.count > 1 ? c.occupancy : nil)))
            }
            if let r = model.currentResolution { b.field("Resolution", ReportText.angstrom(r)) }
        }
        let initial = job.folder + "/initial_model.mrc"
        if JobFiles.exists(initial) { maps.append((initial, "initial_model")) }
        guard !maps.isEmpty else {
            b.problem("no maps in \(job.jobName): neither run_itNNN_model.star nor initial_model.mrc")
            return b.report
        }
        let name = ReportText.stem(job) + "_maps"
        if maps.count == 1 {
            if let p = b.attempt("no picture of \((maps[0].path as NSString).lastPathComponent)", {
                try pictures.singleMap(maps[0].path, style: job.pictureStyle, name: name,
                                       title: "\(job.jobName) \((maps[0].path as NSString).lastPathComponent)")
            }) { b.attach([p]) }
        } else {
            let (pages, problems) = pictures.mapGallery(maps, style: job.pictureStyle, name: name, title: "\(job.jobName) maps")
            b.attach(pages)
            problems.forEach { b.problem($0) }
        }
        return b.report
    }
}
