import EMCore
import Foundation

/// Class2D: the class occupancy of the last iteration (`_rlnClassDistribution` of `run_itNNN_model.star`)
/// and a gallery of the class averages (sections of `run_itNNN_classes.mrcs`), most populated first,
/// each labelled `#class · occupancy`. While running: only the iteration reached.
public struct Class2DReport: JobReporter {
    public static let kinds: [JobKind] = [.class2d]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard let last = JobFiles.last(in: job.folder, suffix: "_model.star") else {
            if job.state == .finished { b.problem("no run_itNNN_model.star in \(job.jobName)") }
            return b.report
        }
        guard job.state == .finished else {
            // While running: the iteration reached only; the pictures come with the finished job.
            b.field("Iteration", "\(last.number)")
            return b.report
        }
        guard let model = b.attempt("no class occupancy", { try ModelStar(path: last.path) }) else { return b.report }
        b.field("Iteration", "\(last.number)")
        b.field("Classes", "\(model.classes.count)")
        if let r = model.currentResolution { b.field("Resolution", ReportText.angstrom(r)) }
        let sorted = model.classes.sorted { ($0.occupancy ?? -1) > ($1.occupancy ?? -1) }
        let top = sorted.prefix(5).map { "#\($0.number) \($0.occupancy.map(ReportText.percent) ?? "?")" }
        b.line("Most populated classes (iteration \(last.number)): " + top.joined(separator: ", "))
        let empty = model.classes.filter { ($0.occupancy ?? 1) == 0 }.count
        if empty > 0 { b.line("\(empty) of \(model.classes.count) classes are empty") }

        let stack = String(last.path.dropLast("_model.star".count)) + "_classes.mrcs"
        let name = ReportText.stem(job) + "_classes"
        if let images = b.attempt("no class gallery", {
            try pictures.sections(of: stack, sorted.map { (JobFiles.section(ofImageReference: $0.referenceImage) ?? $0.number) - 1 })
        }) {
            let tiles = zip(sorted, images).map { Gallery.Tile(image: $1, label: ReportText.classLabel($0.number, occupancy: $0.occupancy)) }
            let (pages, problems) = pictures.galleryPages(tiles, name: name,
                                                         title: "\(job.jobName) class averages, iteration \(last.number), by occupancy")
            b.attach(pages)
            problems.forEach { b.problem($0) }
        }
        return b.report
    }
}
