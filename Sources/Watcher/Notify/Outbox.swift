import Foundation
import GRDB

/// The outbox: every Notice is stored here (unique by key) in the same transaction that records the state
/// change it describes, before anything is sent. Statuses: `pending` → `sending` → `posted` → `sent`
/// (`failed` when Slack refused this one message for good, e.g. `msg_too_long` even as plain text).
public enum Outbox {
    /// Store `notice` unless a Notice with the same key is already stored. Returns true when it was new.
    @discardableResult
    public static func enqueue(_ db: Database, _ notice: Notice, now: Date) throws -> Bool {
        if try OutboxRecord.filter(Column("key") == notice.key).fetchCount(db) > 0 { return false }
        var bare = notice
        bare.attachments = []
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        var record = OutboxRecord(id: nil, key: notice.key, source: notice.source.rawValue, title: notice.title,
                                  notice: try encoder.encode(bare), occurredAt: notice.occurredAt, createdAt: now,
                                  status: "pending", attempts: 0, lastError: nil, lastAttemptAt: nil, sendingSince: nil,
                                  channel: nil, ts: nil, sentAt: nil)
        try record.insert(db)
        for (i, a) in notice.attachments.enumerated() {
            try OutboxFileRecord(outboxId: record.id!, position: i, filename: a.filename, title: a.title, data: a.data,
                                 status: "pending", fileId: nil).insert(db)
        }
        return true
    }

    /// Messages not yet delivered (`pending`, `sending`, `posted`), oldest first.
    public static func undelivered(_ db: Database) throws -> [OutboxRecord] {
        try OutboxRecord.filter(["pending", "sending", "posted"].contains(Column("status"))).order(Column("id")).fetchAll(db)
    }

    /// The Notice stored in `record` (without attachments).
    public static func notice(of record: OutboxRecord) throws -> Notice {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(Notice.self, from: record.notice)
    }
}
