import Foundation
import GRDB

/// Sends the outbox to Slack, oldest first, so that each message arrives exactly once:
///
/// 1. mark the message `sending` (committed) and post it with its key in the message metadata;
/// 2. mark it `posted` with Slack's `ts`;
/// 3. upload each attachment into its thread: reserve (file ID committed as `uploading`), send the bytes,
///    complete, mark `done`;
/// 4. mark the message `sent`.
///
/// A run that finds a message still `sending` (the last run died or timed out after posting it, before
/// recording it) first looks for the key in the DM's history and posts only when it is not there; an
/// attachment still `uploading` is looked for in the thread before it is uploaded again. A message Slack did
/// not take stays in the outbox for the next run; delivery stops at the first message that cannot be sent
/// now (Slack down, rate limited, bad token), so the order is kept.
public struct Delivery {
    public var store: StateStore
    public var slack: SlackClient
    /// Where problems and progress lines go (one line each, never the token).
    public var log: (String) -> Void

    public init(store: StateStore, slack: SlackClient, log: @escaping (String) -> Void) {
        self.store = store
        self.slack = slack
        self.log = log
    }

    /// What one delivery pass did.
    public struct Result: Sendable {
        public var sent = 0
        public var left = 0
        public var problems: [String] = []
    }

    /// Deliver every undelivered message, oldest first, until one cannot be sent now.
    public func deliverAll(now: @escaping () -> Date = Date.init) -> Result {
        var result = Result()
        let records: [OutboxRecord]
        do { records = try store.read(Outbox.undelivered) } catch {
            result.problems.append("\(error)")
            return result
        }
        guard !records.isEmpty else { return result }
        let channel: String
        do { channel = try dmChannel() } catch {
            result.problems.append("\(error)")
            result.left = records.count
            return result
        }
        for (i, record) in records.enumerated() {
            do {
                try deliver(record, channel: channel, now: now)
                result.sent += 1
            } catch let e as WatcherError where e.isMessageSpecific {
                // This message alone was refused (e.g. msg_too_long even as plain text): keep it, marked failed.
                result.problems.append("message \"\(record.title)\": \(e)")
                _ = try? store.write { db in
                    try db.execute(sql: "UPDATE outbox SET status = 'failed', lastError = ? WHERE id = ?",
                                   arguments: ["\(e)", record.id])
                }
            } catch {
                result.problems.append("\(error)")
                _ = try? store.write { db in
                    try db.execute(sql: "UPDATE outbox SET lastError = ? WHERE id = ?", arguments: ["\(error)", record.id])
                }
                result.left = records.count - i
                return result
            }
        }
        return result
    }

    /// The DM channel of the configured member, from the cache or `conversations.open`.
    func dmChannel() throws -> String {
        let config = try store.read(WatcherConfig.load)
        guard let member = config.memberID else {
            throw WatcherError.config("no Slack member ID set: run `emwatch init --member U…`")
        }
        if let ch = config.dmChannel, config.dmChannelMember == member { return ch }
        let ch = try slack.openDM(member: member)
        try store.write { db in
            var c = try WatcherConfig.load(db)
            c.dmChannel = ch
            c.dmChannelMember = member
            try c.save(db)
        }
        return ch
    }

    /// Deliver one message, resuming from wherever an earlier run stopped.
    func deliver(_ start: OutboxRecord, channel: String, now: () -> Date) throws {
        var record = start
        let id = record.id!
        let notice = try Outbox.notice(of: record)
        if record.status == "sending", let since = record.sendingSince {
            // The last attempt may have reached Slack: look before posting again.
            let ch = record.channel ?? channel
            var found: String?
            do { found = try slack.findMessage(channel: ch, noticeKey: record.key, oldest: since) } catch WatcherError.slack(_, "missing_scope") {
                // Without im:history the DM cannot be checked: better twice than never.
                log("cannot look for \"\(record.title)\" in Slack (the app lacks the im:history scope); posting it again")
            }
            if let ts = found {
                log("found \"\(record.title)\" already in Slack (an earlier run was cut off); not posting it again")
                record.ts = ts
                record.channel = ch
                try markPosted(id, channel: ch, ts: ts)
                record.status = "posted"
            }
        }
        if record.status == "pending" || record.status == "sending" {
            let t = now()
            try store.write { db in
                try db.execute(sql: """
                    UPDATE outbox SET status = 'sending', sendingSince = ?, channel = ?, attempts = attempts + 1,
                    lastAttemptAt = ? WHERE id = ?
                    """, arguments: [t, channel, t, id])
            }
            CrashHook.point("marked-sending")
            let text = SlackMessage.text(notice, sentAt: t)
            let blocks = SlackMessage.blocks(notice, queuedAt: record.createdAt, sentAt: t)
            let ts: String
            do {
                ts = try slack.postMessage(channel: channel, text: text, blocks: blocks, noticeKey: record.key)
            } catch let e as WatcherError where e.isMessageSpecific {
                // Slack refused the blocks (invalid_blocks, msg_too_long…): try the plain text alone.
                log("Slack refused the layout of \"\(record.title)\" (\(e)); sending it as plain text")
                ts = try slack.postMessage(channel: channel, text: SlackMessage.cut(text + "\n" + notice.lines.joined(separator: "\n"), 3900),
                                           blocks: [], noticeKey: record.key)
            }
            CrashHook.point("posted")
            try markPosted(id, channel: channel, ts: ts)
            CrashHook.point("marked-posted")
            record.ts = ts
            record.channel = channel
        }
        guard let ts = record.ts, let ch = record.channel else {
            throw WatcherError.other("outbox message \(id) is posted but has no Slack ts")
        }
        let files = try store.read { db in
            try OutboxFileRecord.filter(Column("outboxId") == id).order(Column("position")).fetchAll(db)
        }
        for file in files where file.status != "done" {
            if file.status == "uploading", let fid = file.fileId, try slack.threadHasFile(channel: ch, ts: ts, fileID: fid) {
                try setFile(id, file.position, status: "done", fileId: fid)
                continue
            }
            let reserved = try slack.reserveUpload(filename: file.filename, length: file.data.count)
            try setFile(id, file.position, status: "uploading", fileId: reserved.fileID)
            CrashHook.point("reserved-upload")
            try slack.sendBytes(file.data, to: reserved.uploadURL)
            CrashHook.point("sent-bytes")
            try slack.completeUpload(fileID: reserved.fileID, title: file.title, channel: ch, threadTS: ts)
            CrashHook.point("completed-upload")
            try setFile(id, file.position, status: "done", fileId: reserved.fileID)
        }
        try store.write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'sent', sentAt = ?, lastError = NULL WHERE id = ?", arguments: [now(), id])
        }
        CrashHook.point("marked-sent")
    }

    private func markPosted(_ id: Int64, channel: String, ts: String) throws {
        try store.write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'posted', channel = ?, ts = ? WHERE id = ?", arguments: [channel, ts, id])
        }
    }

    private func setFile(_ id: Int64, _ position: Int, status: String, fileId: String?) throws {
        try store.write { db in
            try db.execute(sql: "UPDATE outbox_file SET status = ?, fileId = ? WHERE outboxId = ? AND position = ?",
                           arguments: [status, fileId, id, position])
        }
    }
}
