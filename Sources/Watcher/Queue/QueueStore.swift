import Foundation
import GRDB

/// What the Watcher last saw of one queue job: a row of `queue_job`, keyed by source name and job id.
/// Times are stored as seconds since 1970.
public struct QueueJobRecord: Codable, Equatable, FetchableRecord, PersistableRecord, Sendable {
    public static let databaseTableName = "queue_job"

    /// Name of the queue source (`QueueSourceConfig.name`).
    public var source: String
    /// The scheduler's job id.
    public var jobID: String
    /// The job as last seen.
    public var job: QueueJob
    /// How many times the job has been seen starting (requeues start it again); part of Notice keys.
    public var starts: Int
    /// Whether the long-pending Notice has been made for this job.
    public var pendingNoticed: Bool
    /// When the Watcher first saw the job, and last stored it.
    public var firstSeen: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case source, jobID = "job_id", starts, pendingNoticed = "pending_noticed", firstSeen = "first_seen"
        case updatedAt = "updated_at", state, name, user, partition, rawState = "raw_state", reason
        case exitCode = "exit_code", signal, submitTime = "submit_time", startTime = "start_time"
        case endTime = "end_time", timeLimit = "time_limit", elapsed, workDir = "work_dir", nodes
    }

    public init(source: String, job: QueueJob, starts: Int, pendingNoticed: Bool, firstSeen: Date, updatedAt: Date) {
        self.source = source; self.jobID = job.id; self.job = job; self.starts = starts
        self.pendingNoticed = pendingNoticed; self.firstSeen = firstSeen; self.updatedAt = updatedAt
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        jobID = try c.decode(String.self, forKey: .jobID)
        starts = try c.decode(Int.self, forKey: .starts)
        pendingNoticed = try c.decode(Bool.self, forKey: .pendingNoticed)
        firstSeen = Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .firstSeen))
        updatedAt = Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .updatedAt))
        func date(_ k: CodingKeys) throws -> Date? { try c.decodeIfPresent(Double.self, forKey: k).map(Date.init(timeIntervalSince1970:)) }
        job = QueueJob(id: jobID, name: try c.decode(String.self, forKey: .name), user: try c.decode(String.self, forKey: .user),
                       partition: try c.decode(String.self, forKey: .partition),
                       state: QueueJobState(rawValue: try c.decode(String.self, forKey: .state)) ?? .unknown,
                       rawState: try c.decode(String.self, forKey: .rawState),
                       reason: try c.decodeIfPresent(String.self, forKey: .reason),
                       exitCode: try c.decodeIfPresent(Int.self, forKey: .exitCode),
                       signal: try c.decodeIfPresent(Int.self, forKey: .signal),
                       submitTime: try date(.submitTime), startTime: try date(.startTime), endTime: try date(.endTime),
                       timeLimit: try c.decodeIfPresent(Double.self, forKey: .timeLimit),
                       elapsed: try c.decodeIfPresent(Double.self, forKey: .elapsed),
                       workDir: try c.decodeIfPresent(String.self, forKey: .workDir),
                       nodes: try c.decodeIfPresent(String.self, forKey: .nodes))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source); try c.encode(jobID, forKey: .jobID)
        try c.encode(starts, forKey: .starts); try c.encode(pendingNoticed, forKey: .pendingNoticed)
        try c.encode(firstSeen.timeIntervalSince1970, forKey: .firstSeen)
        try c.encode(updatedAt.timeIntervalSince1970, forKey: .updatedAt)
        try c.encode(job.state.rawValue, forKey: .state); try c.encode(job.name, forKey: .name)
        try c.encode(job.user, forKey: .user); try c.encode(job.partition, forKey: .partition)
        try c.encode(job.rawState, forKey: .rawState); try c.encode(job.reason, forKey: .reason)
        try c.encode(job.exitCode, forKey: .exitCode); try c.encode(job.signal, forKey: .signal)
        try c.encode(job.submitTime?.timeIntervalSince1970, forKey: .submitTime)
        try c.encode(job.startTime?.timeIntervalSince1970, forKey: .startTime)
        try c.encode(job.endTime?.timeIntervalSince1970, forKey: .endTime)
        try c.encode(job.timeLimit, forKey: .timeLimit); try c.encode(job.elapsed, forKey: .elapsed)
        try c.encode(job.workDir, forKey: .workDir); try c.encode(job.nodes, forKey: .nodes)
    }
}

/// One row of `queue_source`: when a source was last polled and its last problem (a failing command).
public struct QueueSourceRecord: Codable, Equatable, FetchableRecord, PersistableRecord, Sendable {
    public static let databaseTableName = "queue_source"
    /// Name of the queue source.
    public var source: String
    /// Seconds since 1970 of the last poll that listed the queue.
    public var lastPoll: Double
    /// The last poll's problem line, if any.
    public var lastProblem: String?
    enum CodingKeys: String, CodingKey { case source, lastPoll = "last_poll", lastProblem = "last_problem" }
}

extension QueueWatch {
    /// Register the queue tables (`queue-v1`). Migrations are never edited once shipped; add `queue-v2` instead.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("queue-v1") { db in
            try db.create(table: "queue_job") { t in
                t.column("source", .text).notNull()
                t.column("job_id", .text).notNull()
                t.column("state", .text).notNull()
                t.column("raw_state", .text).notNull()
                t.column("reason", .text)
                t.column("name", .text).notNull()
                t.column("user", .text).notNull()
                t.column("partition", .text).notNull()
                t.column("exit_code", .integer)
                t.column("signal", .integer)
                t.column("submit_time", .double)
                t.column("start_time", .double)
                t.column("end_time", .double)
                t.column("time_limit", .double)
                t.column("elapsed", .double)
                t.column("work_dir", .text)
                t.column("nodes", .text)
                t.column("starts", .integer).notNull().defaults(to: 0)
                t.column("pending_noticed", .boolean).notNull().defaults(to: false)
                t.column("first_seen", .double).notNull()
                t.column("updated_at", .double).notNull()
                t.primaryKey(["source", "job_id"])
            }
            try db.create(index: "queue_job_active", on: "queue_job", columns: ["source", "state"])
            try db.create(table: "queue_source") { t in
                t.column("source", .text).primaryKey()
                t.column("last_poll", .double).notNull()
                t.column("last_problem", .text)
            }
            // The followed schedulers, one JSON-encoded QueueSourceConfig per name.
            try db.create(table: "queue_source_config") { t in
                t.column("name", .text).primaryKey()
                t.column("config", .text).notNull()
            }
        }
    }

    /// The followed schedulers, by name.
    public static func sources(_ db: Database) throws -> [QueueSourceConfig] {
        try String.fetchAll(db, sql: "SELECT config FROM queue_source_config ORDER BY name").map {
            try JSONDecoder().decode(QueueSourceConfig.self, from: Data($0.utf8))
        }
    }

    /// Follow a scheduler (`emwatch queue add`); a source of the same name is replaced.
    public static func saveSource(_ db: Database, _ config: QueueSourceConfig) throws {
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO queue_source_config (name, config) VALUES (?, ?)", arguments: [config.name, json])
    }

    /// Stop following a scheduler (`emwatch queue remove NAME`) and drop its job history.
    /// - Returns: false when no source has that name.
    @discardableResult
    public static func removeSource(_ db: Database, name: String) throws -> Bool {
        try db.execute(sql: "DELETE FROM queue_source_config WHERE name = ?", arguments: [name])
        let removed = db.changesCount > 0
        try db.execute(sql: "DELETE FROM queue_job WHERE source = ?", arguments: [name])
        try db.execute(sql: "DELETE FROM queue_source WHERE source = ?", arguments: [name])
        return removed
    }
}
