import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools stats FILE…`: min, max, mean and RMS computed from the data in one parallel pass.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Compute min, max, mean and RMS of the voxel values of one or more maps.",
        discussion: "The numbers are computed from the data, not copied from the header. Example: emtools stats map.mrc --json"
    )

    @Argument(help: "MRC files or glob patterns.")
    var files: [String]

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Row: Encodable {
        let file: String
        let min: Float, max: Float, mean: Double, rms: Double, voxels: Int
    }

    func run() throws {
        let paths = expandPaths(files)
        var rows: [Row] = []
        if !json { print("file\tmin\tmax\tmean\trms\tvoxels") }
        // With --json, the files that could be read are printed even when others failed (exit status 1).
        defer { if json { try? printJSON(rows) } }
        try forEachFile(paths, label: "stats") { path in
            let s = try MRCFile.open(path).statistics()
            let row = Row(file: path, min: s.min, max: s.max, mean: s.mean, rms: s.rms, voxels: s.count)
            if json { rows.append(row) } else {
                print("\(path)\t\(fmt(s.min))\t\(fmt(s.max))\t\(fmt(s.mean))\t\(fmt(s.rms))\t\(s.count)")
            }
        }
    }

    private func fmt(_ v: Float) -> String { String(cFormat: "%.6g", v) }
    private func fmt(_ v: Double) -> String { String(cFormat: "%.6g", v) }
}
