import EMCore
import Foundation

/// MaskCreate: the three views of `mask.mrc`, its box and pixel size.
public struct MaskCreateReport: JobReporter {
    public static let kinds: [JobKind] = [.maskcreate]
    /// How map pictures, galleries and plots are drawn and cached.
    public var pictures: ReportPictures
    public init(pictures: ReportPictures = ReportPictures()) { self.pictures = pictures }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard job.state == .finished else { return b.report }
        let path = job.folder + "/mask.mrc"
        if let header = b.attempt("no mask", { try MRCFile.readHeader(path) }) {
            b.field("Box", "\(header.gridSize) voxels at \(String(format: "%.3f", header.voxelSize.x)) Å")
            if let picture = b.attempt("no picture of mask.mrc", {
                try pictures.singleMap(path, style: job.pictureStyle, name: ReportText.stem(job) + "_mask", title: "\(job.jobName) mask.mrc")
            }) { b.attach([picture]) }
        }
        return b.report
    }
}
