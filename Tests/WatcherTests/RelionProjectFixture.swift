import Foundation
import TestSupport

/// A RELION project folder made by a test, with a `default_pipeline.star` in the 3.1, 4.0 or 5.0 layout,
/// job folders, and the marker files RELION writes. Also runs the built `emwatch` against it.
final class RelionProjectFixture {
    enum Layout { case relion31, relion40, relion50 }

    struct Job {
        var name: String          // "Refine3D/job012/"
        var alias: String?        // "final_map"
        var code31: Int           // 3.1 process type
        var label: String         // 4.0/5.0 type label
    }

    let root: String
    let project: String
    let db: String
    let layout: Layout
    var jobs: [Job] = []

    init(layout: Layout, projectFolder: String = "project") throws {
        root = TestEnv.temporaryDirectory("watcher")
        project = root + "/" + projectFolder
        db = root + "/state/watcher.sqlite"
        self.layout = layout
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try writePipeline()
    }

    func remove() { TestEnv.removeTemporary(root) }

    /// Add a job to the pipeline file and make its folder (with `note.txt` as RELION does); status is the
    /// pipeline's (3.1 integer; label derived for 4.0/5.0).
    func addJob(_ job: Job, status: Int = 0) throws {
        jobs.append(job)
        statuses[job.name] = status
        try FileManager.default.createDirectory(atPath: project + "/" + job.name, withIntermediateDirectories: true)
        try "++++ Executing new job on \(Date())\n".write(toFile: project + "/" + job.name + "note.txt", atomically: true, encoding: .utf8)
        if let a = job.alias {
            let typeFolder = String(job.name.split(separator: "/")[0])
            symlink("../" + job.name, project + "/" + typeFolder + "/" + a)
        }
        try writePipeline()
    }

    private var statuses: [String: Int] = [:]

    /// Rewrite the pipeline file (as a RELION GUI does when a status changes).
    func setPipelineStatus(_ name: String, _ status: Int) throws {
        statuses[name] = status
        try writePipeline()
    }

    func writePipeline() throws {
        let statusLabels = ["Running", "Scheduled", "Succeeded", "Failed", "Aborted"]
        var s = "\n# version \(layout == .relion31 ? 30001 : layout == .relion40 ? 40000 : 50001)\n\ndata_pipeline_general\n\n"
        s += "_rlnPipeLineJobCounter                       \(jobs.count + 1)\n\n"
        s += "\n# version 30001\n\ndata_pipeline_processes\n\nloop_ \n_rlnPipeLineProcessName #1 \n_rlnPipeLineProcessAlias #2 \n"
        switch layout {
        case .relion31: s += "_rlnPipeLineProcessType #3 \n_rlnPipeLineProcessStatus #4 \n"
        case .relion40, .relion50: s += "_rlnPipeLineProcessTypeLabel #3 \n_rlnPipeLineProcessStatusLabel #4 \n"
        }
        for j in jobs {
            let typeFolder = String(j.name.split(separator: "/")[0])
            let alias = j.alias.map { "\(typeFolder)/\($0)/" } ?? "None"
            let st = statuses[j.name] ?? 0
            switch layout {
            case .relion31: s += "\(j.name) \(alias) \(j.code31) \(st) \n"
            case .relion40, .relion50: s += "\(j.name) \(alias) \(j.label) \(statusLabels[st]) \n"
            }
        }
        s += "\n"
        if layout == .relion50 {
            s += "\n# version 50001\n\ndata_pipeline_nodes\n\nloop_ \n_rlnPipeLineNodeName #1 \n_rlnPipeLineNodeTypeLabel #2 \n_rlnPipeLineNodeTypeLabelDepth #3 \n"
            for j in jobs { s += "\(j.name)run_data.star ParticleGroupMetadata.star.relion 1 \n" }
            s += "\n"
        }
        try s.write(toFile: project + "/default_pipeline.star", atomically: true, encoding: .utf8)
    }

    /// Create (or overwrite) a file in a job folder.
    func write(_ job: String, _ file: String, _ text: String = "") throws {
        try text.write(toFile: project + "/" + job + file, atomically: false, encoding: .utf8)
    }

    /// Delete a file of a job folder.
    func delete(_ job: String, _ file: String) { unlink(project + "/" + job + file) }

    /// Start a job as RELION does: `run.out` and `run.err` appear.
    func start(_ job: String) throws {
        try write(job, "run.out", " RELION version: 3.1.3\n")
        try write(job, "run.err", "")
    }

    /// Run the built `emwatch` with `args` and `--db` added, against the stand-in.
    @discardableResult
    func emwatch(_ args: [String], slack: SlackStandIn? = nil, env: [String: String] = [:], stdin: String? = nil) throws -> TestEnv.ProcessResult {
        var e = env
        if let slack { e["EMWATCH_SLACK_URL"] = slack.apiURL }
        return try TestEnv.run(TestEnv.product("emwatch"), args + ["--db", db], environment: e, stdin: stdin.map { Data($0.utf8) })
    }

    /// `emwatch init` with the stand-in's token (from a 0600 file) and member, then `project add`.
    func setUp(slack: SlackStandIn, name: String = "apof", extra: [String] = []) throws {
        let tokenFile = root + "/token"
        try (SlackStandIn.token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let i = try emwatch(["init", "--token-file", tokenFile, "--member", SlackStandIn.member] + extra)
        guard i.status == 0 else { throw TestFailure("init failed: \(i.stderr)") }
        let a = try emwatch(["project", "add", project, "--name", name])
        guard a.status == 0 else { throw TestFailure("project add failed: \(a.stderr)") }
    }

    /// Wait until the folder's time is more than two seconds old for the watcher, by pushing every job folder's
    /// and file's modification time two seconds into the past (so tests need not sleep).
    func age(seconds: Double = 5) {
        let fm = FileManager.default
        let past = Date().addingTimeInterval(-seconds)
        for path in (fm.subpaths(atPath: project) ?? []).map({ project + "/" + $0 }) + [project] {
            var isLink = false
            if let t = try? fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType, t == .typeSymbolicLink { isLink = true }
            if !isLink { try? fm.setAttributes([.modificationDate: past], ofItemAtPath: path) }
        }
    }
}
