import Foundation
import GRDB

/// The news of one followed RELION project: jobs that start, finish, fail or are aborted.
///
/// Fast when nothing changed: the pipeline file is parsed only when its modification time changed, and a
/// job folder is read only when its own modification time changed (RELION creates and deletes marker files
/// in it, which changes the folder's time). 100 projects × 200 jobs cost about 20 000 `stat` calls.
public struct RelionProjectSource: NewsSource {
    public var project: ProjectRecord
    /// The user's settings (ignored job types, picture style).
    public var config: WatcherConfig
    /// The per-job-type reporters asked for each change (default: `JobReports.reporters`).
    public var reporters: [any JobReporter]

    public init(project: ProjectRecord, config: WatcherConfig, reporters: [any JobReporter] = JobReports.reporters) {
        self.project = project
        self.config = config
        self.reporters = reporters
    }

    public var name: String { "relion:\(project.name)" }

    public static func configured(in db: Database, context: PollContext) throws -> [any NewsSource] {
        let config = try WatcherConfig.load(db)
        var projects = try ProjectRecord.order(Column("name")).fetchAll(db)
        if !context.projectFilter.isEmpty {
            let known = Set(projects.map(\.name))
            for n in context.projectFilter where !known.contains(n) {
                throw WatcherError.project("no project named \(n); see `emwatch project list`")
            }
            projects = projects.filter { context.projectFilter.contains($0.name) }
        }
        return projects.map { RelionProjectSource(project: $0, config: config) }
    }

    public func poll(_ db: Database, context: PollContext) throws -> [Notice] {
        guard let pid = project.id else { return [] }
        let pipelinePath = project.path + "/default_pipeline.star"
        let now = context.now
        let nowNanos = Int64(now.timeIntervalSince1970 * 1e9)
        guard let pipelineMtime = FileStat.mtimeNanos(pipelinePath) else {
            let problem = "\(pipelinePath): missing (project moved or deleted?)"
            try db.execute(sql: "UPDATE project SET lastError = ? WHERE id = ?", arguments: [problem, pid])
            throw WatcherError.pipeline(path: pipelinePath, problem: "missing (project moved or deleted?)")
        }
        // The common case, cheaply: same pipeline file, every job folder unchanged since it was last read
        // and settled (read more than two seconds after its last change).
        if pipelineMtime == project.pipelineMtime, context.mode != .force {
            var unchanged = true
            var count = 0
            let rows = try Row.fetchCursor(db, sql: "SELECT name, folderMtime, checkedAt FROM relion_job WHERE projectId = ?",
                                           arguments: [pid])
            while let row = try rows.next() {
                count += 1
                let name: String = row[0]
                let stored: Int64? = row[1]
                let checked: Int64 = row[2]
                guard let m = FileStat.mtimeNanos(project.path + "/" + name), m == stored, checked - m > 2_000_000_000 else {
                    unchanged = false
                    break
                }
            }
            if unchanged && count > 0 { return [] }
        }
        var stored: [String: RelionJobRecord] = [:]
        for r in try RelionJobRecord.filter(Column("projectId") == pid).fetchAll(db) { stored[r.name] = r }

        // The job list: from the pipeline file when it changed (or when forced), else the stored one.
        let pipelineChanged = pipelineMtime != project.pipelineMtime || stored.isEmpty || context.mode == .force
        var listed: [PipelineJob]
        if pipelineChanged {
            listed = try Pipeline.read(pipelinePath)
            // A job missing from the pipeline is dropped only when its folder is gone too (deleted, or moved
            // to Trash/): a pipeline file read while a GUI rewrites it may lack rows, and forgetting those jobs
            // would report them again as new.
            let names = Set(listed.map(\.name))
            for (name, r) in stored.sorted(by: { $0.key < $1.key }) where !names.contains(name) {
                if FileStat.mtimeNanos(project.path + "/" + name) == nil {
                    try RelionJobRecord.deleteOne(db, key: ["projectId": pid, "name": name])
                    stored[name] = nil
                } else {
                    listed.append(PipelineJob(name: name, alias: r.alias, type: JobType(label: r.typeLabel), status: .unknown))
                }
            }
            try db.execute(sql: "UPDATE project SET pipelineMtime = ?, lastError = NULL WHERE id = ?",
                           arguments: [pipelineMtime, pid])
        } else {
            listed = stored.values.sorted { $0.name < $1.name }.map {
                PipelineJob(name: $0.name, alias: $0.alias, type: JobType(label: $0.typeLabel), status: .unknown)
            }
        }

        var notices: [Notice] = []
        for job in listed {
            let folder = JobFolder(path: project.path + "/" + job.name)
            let folderMtime = folder.folderModificationNanos
            let old = stored[job.name]
            // Unchanged folder read after it settled: nothing to do.
            if !pipelineChanged, let old, old.folderMtime == folderMtime, let m = folderMtime,
               old.checkedAt - m > 2_000_000_000 { continue }
            let status = pipelineChanged ? job.status : PipelineStatus.unknown
            var (state, since) = folder.state(pipeline: status)
            if status == .unknown, let old, since == nil, !state.isFinal, state != .running {
                // Without a fresh pipeline read, keep what the pipeline said before (scheduled/finished).
                state = old.state.isFinal || old.state == .scheduled ? old.state : state
            }
            var record = old ?? RelionJobRecord(projectId: pid, name: job.name, alias: job.alias, typeLabel: job.type.label,
                                                state: .pending, stateSince: nil, folderMtime: nil, checkedAt: 0, seq: 0)
            record.alias = job.alias
            record.typeLabel = job.type.label
            record.folderMtime = folderMtime
            record.checkedAt = nowNanos
            let changed = old == nil ? (state != .pending && state != .scheduled) : state != old!.state
            let oldState = old?.state
            if old == nil || changed {
                record.state = state
                record.stateSince = since
            }
            if changed || context.mode == .force {
                if changed { record.seq += 1 }
                if !config.ignores(job.type), state != .pending, state != .scheduled {
                    let key = context.mode == .force && !changed
                        ? "relion|\(pid)|\(job.name)|force-\(nowNanos)|\(state.rawValue)"
                        : "relion|\(pid)|\(job.name)|\(record.seq)|\(state.rawValue)"
                    notices.append(JobNotice.make(key: key, project: project, job: job, folder: folder,
                                                  old: oldState, new: state, since: since ?? now, context: context,
                                                  style: config.pictureStyle, reporters: reporters))
                }
            }
            if old == nil { try record.insert(db) } else { try record.update(db) }
        }
        return notices.sorted { $0.occurredAt < $1.occurredAt }
    }
}
