import Foundation
import GRDB

/// A followed RELION project (`project` table).
public struct ProjectRecord: Codable, FetchableRecord, MutablePersistableRecord, Equatable, Sendable {
    public static let databaseTableName = "project"
    public var id: Int64?
    /// Unique short name used in messages and `--project`.
    public var name: String
    /// Absolute path of the folder holding `default_pipeline.star`.
    public var path: String
    public var addedAt: Date
    /// Modification time (ns since 1970) of `default_pipeline.star` when last parsed.
    public var pipelineMtime: Int64?
    /// The problem of the last run with this project (unreadable pipeline…), nil when fine.
    public var lastError: String?

    public init(name: String, path: String, addedAt: Date) { self.name = name; self.path = path; self.addedAt = addedAt }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A message waiting in, or sent from, the outbox (`outbox` table). `notice` holds the JSON of the Notice
/// without its attachments, which are rows of `outbox_file`.
public struct OutboxRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    public static let databaseTableName = "outbox"
    public var id: Int64?
    public var key: String
    public var source: String
    public var title: String
    public var notice: Data
    public var occurredAt: Date
    public var createdAt: Date
    /// `pending` (not yet tried, or failed), `sending` (a run began to post it), `posted` (the message is
    /// in Slack, attachments may still be missing), `sent`.
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var lastAttemptAt: Date?
    public var sendingSince: Date?
    public var channel: String?
    /// Slack's timestamp of the posted message (the thread for its attachments).
    public var ts: String?
    public var sentAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An attachment of an outbox message (`outbox_file` table).
public struct OutboxFileRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
    public static let databaseTableName = "outbox_file"
    public var outboxId: Int64
    public var position: Int
    public var filename: String
    public var title: String
    public var data: Data
    /// `pending`, `uploading` (file id reserved, completion may or may not have reached Slack), `done`.
    public var status: String
    public var fileId: String?
}

/// One run of the Watcher (`run` table).
public struct RunRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var startedAt: Date
    public var finishedAt: Date?
    public var pid: Int32
    public var host: String
    public var mode: String
    /// Changes found (Notices queued).
    public var detected: Int
    /// Messages delivered.
    public var sent: Int
    /// Problems, one per line (a project that could not be read, Slack errors).
    public var problems: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
