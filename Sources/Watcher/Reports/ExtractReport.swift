import EMCore
import Foundation

/// Extract: particles extracted (rows of `data_particles` in `particles.star`), micrographs they came
/// from (distinct `_rlnMicrographName`), box size and pixel size (`_rlnImageSize`, `_rlnImagePixelSize` of
/// `data_optics`; for files without optics groups, from the header of the first particle stack).
public struct ExtractReport: JobReporter {
    public static let kinds: [JobKind] = [.extract]
    public init() {}

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard job.state == .finished else { return b.report }
        let path = job.folder + "/particles.star"
        guard let doc = b.attempt("no particle count", { try STARDocument.read(path) }) else { return b.report }
        guard let particles = b.attempt("no particle count", { try (doc.block("particles") ?? doc.requireBlock("")).requireTable() }) else {
            return b.report
        }
        b.field("Particles", ReportText.count(particles.rowCount))
        if let c = particles.columnIndex("rlnMicrographName") {
            var names = Set<String>()
            for r in 0 ..< particles.rowCount { names.insert(particles.string(row: r, column: c)) }
            b.field("Micrographs", ReportText.count(names.count))
        }
        if let optics = doc.block("optics")?.table, optics.rowCount > 0 {
            let sizes = Set((try? optics.ints("rlnImageSize")) ?? []), pixels = Set((try? optics.doubles("rlnImagePixelSize")) ?? [])
            if !sizes.isEmpty { b.field("Box", sizes.sorted().map { "\($0) px" }.joined(separator: ", ")) }
            if !pixels.isEmpty { b.field("Pixel size", pixels.sorted().map { String(format: "%.3f Å", $0) }.joined(separator: ", ")) }
        } else if particles.rowCount > 0, let c = particles.columnIndex("rlnImageName") {
            let ref = particles.string(row: 0, column: c)
            let relative = ref.firstIndex(of: "@").map { String(ref[ref.index(after: $0)...]) } ?? ref
            if let h = b.attempt("no box size", { try MRCFile.readHeader(job.projectPath + "/" + relative) }) {
                b.field("Box", "\(h.gridSize.nx) px")
                b.field("Pixel size", String(format: "%.3f Å", h.voxelSize.x))
            }
        }
        b.line("\(ReportText.count(particles.rowCount)) particles extracted")
        return b.report
    }
}
