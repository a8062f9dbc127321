import EMCore
import Foundation

/// One job as `default_pipeline.star` lists it.
public struct PipelineJob: Equatable, Sendable {
    /// The job's name with its trailing slash, e.g. `Refine3D/job012/` (numbers may pass 999: `job1000/`).
    public var name: String
    /// The alias without its type folder (`final_map` of `Refine3D/final_map/`), or nil for `None`.
    public var alias: String?
    /// The job's type, from the 3.1 integer or the 4.0/5.0 label.
    public var type: JobType
    /// The state the pipeline file records (stale unless a RELION GUI is running).
    public var status: PipelineStatus
}

/// A pipeline process status: RELION 3.1 integers (pipeline_jobs.h) and 4.0/5.0 labels.
public enum PipelineStatus: String, Sendable {
    case running, scheduled, succeeded, failed, aborted, unknown

    /// RELION 3.1 `_rlnPipeLineProcessStatus`: 0 running, 1 scheduled, 2 succeeded, 3 failed, 4 aborted.
    init(code: Int) {
        switch code {
        case 0: self = .running
        case 1: self = .scheduled
        case 2: self = .succeeded
        case 3: self = .failed
        case 4: self = .aborted
        default: self = .unknown
        }
    }

    /// RELION 4.0/5.0 `_rlnPipeLineProcessStatusLabel` (`Running`, `Scheduled`, `Succeeded`, `Failed`, `Aborted`).
    init(label: String) {
        switch label.lowercased() {
        case "running": self = .running
        case "scheduled": self = .scheduled
        case "succeeded", "finished": self = .succeeded
        case "failed": self = .failed
        case "aborted": self = .aborted
        default: self = .unknown
        }
    }
}

/// The job list of a RELION project's `default_pipeline.star`, in the 3.1 layout (integer
/// `_rlnPipeLineProcessType`/`Status`) or the 4.0/5.0 layout (`…TypeLabel`/`…StatusLabel`).
/// Only the file is read; RELION's `.relion_lock` is never taken, so a GUI saving the file at the same time
/// can at worst make this read fail, and the next run reads it again.
public enum Pipeline {
    /// The jobs of the pipeline file at `path`, in file order.
    /// - Throws: `WatcherError.pipeline` naming the file and the problem.
    public static func read(_ path: String) throws -> [PipelineJob] {
        let doc: STARDocument
        do { doc = try STARDocument.read(path) } catch {
            throw WatcherError.pipeline(path: path, problem: "\(error)")
        }
        return try jobs(in: doc, path: path)
    }

    /// The jobs of a parsed pipeline document.
    public static func jobs(in doc: STARDocument, path: String) throws -> [PipelineJob] {
        guard let block = doc.block("pipeline_processes") else {
            // A new project has no processes yet.
            if doc.block("pipeline_general") != nil { return [] }
            throw WatcherError.pipeline(path: path, problem: "no data_pipeline_processes block: not a RELION pipeline file")
        }
        guard let table = block.table else { return [] }
        guard let nameCol = table.columnIndex("rlnPipeLineProcessName") else {
            throw WatcherError.pipeline(path: path, problem: "data_pipeline_processes has no _rlnPipeLineProcessName column")
        }
        let aliasCol = table.columnIndex("rlnPipeLineProcessAlias")
        let typeLabelCol = table.columnIndex("rlnPipeLineProcessTypeLabel")
        let typeCol = table.columnIndex("rlnPipeLineProcessType")
        let statusLabelCol = table.columnIndex("rlnPipeLineProcessStatusLabel")
        let statusCol = table.columnIndex("rlnPipeLineProcessStatus")
        var jobs: [PipelineJob] = []
        jobs.reserveCapacity(table.rowCount)
        for r in 0 ..< table.rowCount {
            var name = table.string(row: r, column: nameCol)
            guard !name.isEmpty, !name.contains(".."), !name.hasPrefix("/") else { continue }
            if !name.hasSuffix("/") { name += "/" }
            var alias: String?
            if let c = aliasCol {
                let a = table.string(row: r, column: c)
                if a != "None", !a.isEmpty {
                    var parts = a.split(separator: "/").map(String.init)
                    if parts.count > 1 { parts.removeFirst() }
                    alias = parts.joined(separator: "/")
                }
            }
            let type: JobType
            if let c = typeLabelCol {
                type = JobType(label: table.string(row: r, column: c))
            } else if let c = typeCol, let code = table.int(row: r, column: c) {
                type = JobType(relion31Code: code)
            } else {
                type = JobType(folder: name)
            }
            var status = PipelineStatus.unknown
            if let c = statusLabelCol {
                status = PipelineStatus(label: table.string(row: r, column: c))
            } else if let c = statusCol, let code = table.int(row: r, column: c) {
                status = PipelineStatus(code: code)
            }
            jobs.append(PipelineJob(name: name, alias: alias, type: type, status: status))
        }
        return jobs
    }
}

extension JobType {
    /// The type of a job whose pipeline row names no type, from its folder (`Refine3D/job012/` → refine3d).
    init(folder name: String) {
        let folder = name.split(separator: "/").first.map(String.init) ?? ""
        let kind = JobKind.allCases.first { $0.rawValue == folder.lowercased() }
        self.init(label: kind.map { "relion.\($0.rawValue)" } ?? "relion.unknown")
    }
}
