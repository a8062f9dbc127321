import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// Jobs with many classes: galleries go into pages of twelve panels, most populated first, at most five
/// pictures, and the report says what was left out.
@Suite struct ReportManyClassesTests {
    /// A `run_it025_model.star` of `occupancy.count` classes whose references are `reference(k)`.
    func modelStar(_ occupancy: [Double], reference: (Int) -> String) -> String {
        var s = "\ndata_model_general\n\n_rlnCurrentResolution 9.6\n_rlnPixelSize 3.0\n_rlnOriginalImageSize 32\n\n"
        s += "data_model_classes\n\nloop_\n_rlnReferenceImage #1\n_rlnClassDistribution #2\n_rlnEstimatedResolution #3\n"
        for (k, o) in occupancy.enumerated() { s += "\(reference(k + 1)) \(o) 9.6\n" }
        return s
    }

    /// Page sizes of a report's gallery pictures.
    func pageSizes(_ r: JobReport, prefix: String) throws -> [[Int]] {
        try r.attachments.filter { $0.filename.hasPrefix(prefix) }.map { let s = try ReportPNG.size($0); return [s.width, s.height] }
    }

    @Test func fiftyClass3DMapsMakeFivePagesMostPopulatedFirst() throws {
        let dir = TestEnv.temporaryDirectory("report-50")
        defer { TestEnv.removeTemporary(dir) }
        let job = dir + "/Class3D/job050"
        try FileManager.default.createDirectory(atPath: job, withIntermediateDirectories: true)
        // Class k holds k particles out of 1275: class 50 is the most populated.
        let occupancy = (1 ... 50).map { Double($0) / 1275 }
        try modelStar(occupancy) { String(format: "Class3D/job050/run_it025_class%03d.mrc", $0) }
            .write(toFile: job + "/run_it025_model.star", atomically: true, encoding: .utf8)
        for k in 1 ... 50 {
            try MRCWriter.write(Phantom.blobs(n: 32, voxelSize: 3, noise: 0.05, seed: UInt64(k)), to: job + String(format: "/run_it025_class%03d.mrc", k))
        }
        let cache = PictureCache(directory: dir + "/cache")
        let r = JobReports.report(for: JobContext(projectPath: dir, jobName: "Class3D/job050/", type: JobType(label: "relion.class3d"), state: .finished),
                                  pictures: ReportPictures(cache: cache))
        ReportPNG.keep(r)
        #expect(r.problems.isEmpty, "\(r.problems)")
        #expect(r.attachments.map(\.filename) == (1 ... 5).map { "Class3D_job050_classes_\($0).png" })
        #expect(r.attachments.first?.title == "Class3D/job050/ class maps, iteration 25 (1/5)")
        let full = [8 + 4 * 200, 8 + 3 * 245], last = [8 + 2 * 200, 8 + 245]
        #expect(try pageSizes(r, prefix: "Class3D_job050_classes") == [full, full, full, full, last])
        #expect(cache.misses == 50)
        // The table lists all fifty classes.
        // Title line, fence, header, 50 rows, fence.
        let tableLines = r.lines.first?.components(separatedBy: "\n").count ?? 0
        #expect(tableLines == 54)
    }

    @Test func twoHundredClass2DAveragesShowTheSixtyMostPopulated() throws {
        let dir = TestEnv.temporaryDirectory("report-200")
        defer { TestEnv.removeTemporary(dir) }
        let job = dir + "/Class2D/job020"
        try FileManager.default.createDirectory(atPath: job, withIntermediateDirectories: true)
        var occupancy = [Double](repeating: 0, count: 200)
        for k in 0 ..< 200 { occupancy[k] = k % 7 == 0 ? 0 : Double((k * 37) % 200 + 1) / 20_100 }
        try modelStar(occupancy) { String(format: "%06d@Class2D/job020/run_it025_classes.mrcs", $0) }
            .write(toFile: job + "/run_it025_model.star", atomically: true, encoding: .utf8)
        // 200 sections of 32 × 32: section k is bright in proportion to k, so the picture order can be checked.
        var stack = Volume(size: GridSize(32, 32, 200), voxelSize: VoxelSize(isotropic: 3))
        for z in 0 ..< 200 { for y in 8 ..< 24 { for x in 8 ..< 24 { stack[x, y, z] = Float(z) } } }
        try MRCWriter.write(stack, to: job + "/run_it025_classes.mrcs")
        let r = JobReports.report(for: JobContext(projectPath: dir, jobName: "Class2D/job020/", type: JobType(label: "relion.class2d"), state: .finished),
                                  pictures: ReportPictures())
        ReportPNG.keep(r)
        #expect(r.attachments.count == 5)
        #expect(r.problems == ["gallery shows the first 60 of 200 pictures"])
        #expect(r.fields.first { $0.name == "Classes" }?.value == "200")
        #expect(r.lines.contains("29 of 200 classes are empty"))
        let best = occupancy.indices.max { occupancy[$0] < occupancy[$1] }! + 1
        #expect(r.lines.first?.contains("#\(best) \(ReportText.percent(occupancy[best - 1]))") == true, "\(r.lines)")
    }
}
