import EMCore
import Foundation

/// Class3D: occupancy of every class over the iterations (a line plot of `_rlnClassDistribution` from
/// each `run_itNNN_model.star`), the last iteration's table (class, occupancy, estimated resolution,
/// angular and translational accuracy), a gallery of the class maps labelled with occupancy, and how many
/// particles changed class between the last two iterations (`_rlnClassNumber` of `run_itNNN_data.star`,
/// matched by `_rlnImageName`). While running: only the iteration reached.
public struct Class3DReport: JobReporter {
    public static let kinds: [JobKind] = [.class3d]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        let models = JobFiles.iterations(in: job.folder, suffix: "_model.star")
        guard let last = models.last else {
            if job.state == .finished { b.problem("no run_itNNN_model.star in \(job.jobName)") }
            return b.report
        }
        guard job.state == .finished else {
            // While running: the iteration reached only; the pictures come with the finished job.
            b.field("Iteration", "\(last.number)")
            return b.report
        }
        guard let model = b.attempt("no class table", { try ModelStar(path: last.path) }) else { return b.report }
        b.field("Iteration", "\(last.number)")
        b.field("Classes", "\(model.classes.count)")
        b.line("Iteration \(last.number):\n" + Class3DReport.table(model.classes))

        // Occupancy over iterations (iteration 0 has no occupancy worth plotting: it is 1/K by construction).
        let history = models.filter { $0.number > 0 }
        let occupancy: [(Int, [Double?])] = history.compactMap { it in
            if it == last { return (it.number, model.classes.map(\.occupancy)) }
            return (try? ModelStar(path: it.path)).map { (it.number, $0.classes.map(\.occupancy)) }
        }
        if occupancy.count >= 2 {
            if let png = b.attempt("no occupancy plot", {
                try pictures.occupancyPlot(iterations: occupancy.map(\.0), occupancy: occupancy.map(\.1),
                                           title: "Class occupancy")
            }) {
                b.attach([NoticeAttachment(filename: ReportText.stem(job) + "_occupancy.png", title: "\(job.jobName) class occupancy", data: png)])
            }
        }

        // Particles that changed class between the last two iterations.
        let data = JobFiles.iterations(in: job.folder, suffix: "_data.star")
        if data.count >= 2, let change = b.attempt("no class changes", { try ClassChanges.count(previous: data[data.count - 2].path, current: data[data.count - 1].path) }) {
            b.field("Changed class", "\(ReportText.count(change.changed)) of \(ReportText.count(change.total)) (\(ReportText.percent(change.total > 0 ? Double(change.changed) / Double(change.total) : 0)))")
        }

        // Gallery of the class maps, most populated first.
        let sorted = model.classes.sorted { ($0.occupancy ?? -1) > ($1.occupancy ?? -1) }
        let maps = sorted.map { c in
            (path: job.folder + "/" + JobFiles.fileName(ofImageReference: c.referenceImage),
             label: ReportText.classLabel(c.number, occupancy: c.occupancy))
        }
        let (pages, problems) = pictures.mapGallery(maps, style: job.pictureStyle, name: ReportText.stem(job) + "_classes",
                                                    title: "\(job.jobName) class maps, iteration \(last.number)")
        b.attach(pages)
        problems.forEach { b.problem($0) }
        return b.report
    }

    /// The class table as a monospaced Slack block.
    static func table(_ classes: [ModelClass]) -> String {
        var rows = ["class  particles  resolution  accuracy rot / trans"]
        for c in classes {
            let occ = c.occupancy.map(ReportText.percent) ?? "?"
            let res = c.resolution.map(ReportText.angstrom) ?? "?"
            let rot = c.accuracyRotations.map { String(format: "%.2f°", $0) } ?? "?"
            let trans = c.accuracyTranslations.map { String(format: "%.2f Å", $0) } ?? "?"
            rows.append("\(String(c.number).padded(5))  \(occ.padded(9))  \(res.padded(10))  \(rot) / \(trans)")
        }
        return "```\n" + rows.joined(separator: "\n") + "\n```"
    }
}

/// Particles whose `_rlnClassNumber` differs between two `run_itNNN_data.star` files.
enum ClassChanges {
    struct Count: Equatable { var changed: Int; var total: Int }

    /// Rows are matched by `_rlnImageName` (RELION keeps the order, which is checked cell by cell without
    /// building strings; a different order falls back to a dictionary).
    static func count(previous: String, current: String) throws -> Count {
        let a = try STARDocument.read(previous).requireBlock("particles").requireTable()
        let b = try STARDocument.read(current).requireBlock("particles").requireTable()
        let ca = try a.ints("rlnClassNumber"), cb = try b.ints("rlnClassNumber")
        let na = try a.requireColumn("rlnImageName"), nb = try b.requireColumn("rlnImageName")
        var sameOrder = a.rowCount == b.rowCount
        if sameOrder {
            for r in 0 ..< a.rowCount where !a.withCellBytes(row: r, column: na, { x in b.withCellBytes(row: r, column: nb) { x.elementsEqual($0) } }) {
                sameOrder = false
                break
            }
        }
        if sameOrder {
            return Count(changed: zip(ca, cb).filter { $0 != $1 }.count, total: b.rowCount)
        }
        var before: [String: Int] = [:]
        before.reserveCapacity(a.rowCount)
        for r in 0 ..< a.rowCount { before[a.string(row: r, column: na)] = ca[r] }
        var changed = 0
        for r in 0 ..< b.rowCount {
            if let old = before[b.string(row: r, column: nb)], old != cb[r] { changed += 1 }
        }
        return Count(changed: changed, total: b.rowCount)
    }
}

extension String {
    /// Left-padded to `width` characters (right-aligned), for monospaced tables.
    func padded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
