import Foundation
import GRDB

/// What `emwatch status` shows: settings, projects, the last run, undelivered messages and the lock.
public struct StatusReport: Sendable {
    public var config: WatcherConfig
    public var projects: [Projects.Listing]
    public var lastRun: RunRecord?
    /// Messages not yet delivered (pending, sending, posted) and those Slack refused (failed).
    public var waiting: [OutboxRecord]
    public var sentCount: Int
    public var lockHolder: RunLock.Holder?

    /// Gather the status of `store`.
    public static func gather(_ store: StateStore) throws -> StatusReport {
        let projects = try Projects.list(store)
        return try store.read { db in
            StatusReport(
                config: try WatcherConfig.load(db), projects: projects,
                lastRun: try RunRecord.order(Column("id").desc).fetchOne(db),
                waiting: try OutboxRecord.filter(Column("status") != "sent").order(Column("id")).fetchAll(db),
                sentCount: try OutboxRecord.filter(Column("status") == "sent").fetchCount(db),
                lockHolder: RunLock(databasePath: store.path).liveHolder())
        }
    }

    /// The report as lines of text (never the token).
    public var text: String {
        var out = ["settings:"] + config.description.split(separator: "\n").map { "  \($0)" }
        out.append("projects followed: \(projects.count)")
        for p in projects { out.append("  \(p.name)  \(p.path)  \(p.jobs) jobs\(p.lastError.map { "  problem: \($0)" } ?? "")") }
        if let r = lastRun {
            let end = r.finishedAt.map { SlackMessage.stamp($0) } ?? "did not finish (killed or still running)"
            out.append("last run: \(SlackMessage.stamp(r.startedAt)) → \(end), \(r.mode), \(r.detected) changes, \(r.sent) sent")
            if let p = r.problems { out += p.split(separator: "\n").map { "  problem: \($0)" } }
        } else {
            out.append("last run: never")
        }
        out.append("messages sent: \(sentCount); waiting: \(waiting.count)")
        for m in waiting {
            var line = "  [\(m.status)] \(m.title) (queued \(SlackMessage.stamp(m.createdAt)), \(m.attempts) attempts)"
            if let e = m.lastError { line += " last error: \(e)" }
            out.append(line)
        }
        out.append(lockHolder.map { "run lock: held by \($0)" } ?? "run lock: free")
        return out.joined(separator: "\n")
    }
}
