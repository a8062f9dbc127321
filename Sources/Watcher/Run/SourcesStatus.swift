import Foundation
import GRDB

/// The part of `emwatch status` about the queue, disk and EPU sources: what is followed and what the last
/// look saw.
public enum SourcesStatus {
    /// Lines of text: queues (last poll, last problem), disk paths (last free space, low or not), frames
    /// roots (sessions by state).
    public static func lines(_ db: Database) throws -> [String] {
        var out: [String] = []
        let queues = try QueueWatch.sources(db)
        out.append("queues followed: \(queues.count)")
        for q in queues {
            var line = "  \(q.name)  \(q.scheduler.rawValue)"
            let active = try QueueWatch(config: q).activeJobIDs(db).count
            if let row = try QueueSourceRecord.fetchOne(db, key: q.name) {
                line += "  last look \(SlackMessage.stamp(Date(timeIntervalSince1970: row.lastPoll))), \(active) jobs pending or running"
                if let p = row.lastProblem { line += "  problem: \(p)" }
            } else {
                line += "  no successful look yet (see the last run's problems)"
            }
            out.append(line)
        }
        let disk = try DiskNewsSource.effectiveConfig(db)
        let projectThreshold = try DiskNewsSource.projectThreshold(db)
        out.append("disk paths followed: \(disk.paths.count) (project folders: \(projectThreshold.map { "min free \($0)" } ?? "not checked"))")
        for p in disk.paths {
            var line = "  \(p.displayName)  min free \(p.threshold)"
            if let row = try Row.fetchOne(db, sql: "SELECT time, total, free FROM disk_sample WHERE path = ? ORDER BY time DESC LIMIT 1", arguments: [p.path]) {
                let free: Int64 = row["free"], total: Int64 = row["total"]
                line += "  \(ByteSize.format(UInt64(max(0, free)))) free of \(ByteSize.format(UInt64(max(0, total))))"
            }
            if try Bool.fetchOne(db, sql: "SELECT low FROM disk_state WHERE path = ?", arguments: [p.path]) == true { line += "  LOW" }
            out.append(line)
        }
        let epu = try EPUWatch.config(db)
        out.append("EPU frames roots followed: \(epu.roots.count)")
        for r in epu.roots {
            let counts = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM epu_session WHERE root = ? GROUP BY state ORDER BY state", arguments: [r])
                .map { row -> String in let s: String = row["state"], n: Int = row["n"]; return "\(n) \(s)" }
            out.append("  \(r)  sessions: \(counts.isEmpty ? "none yet" : counts.joined(separator: ", "))")
        }
        return out
    }
}
