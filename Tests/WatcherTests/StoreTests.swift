import Foundation
import GRDB
import Testing
import TestSupport
@testable import Watcher

@Suite struct StoreTests {
    @Test func migrationsCreateEveryTableOnceAndWALIsOn() throws {
        let dir = TestEnv.temporaryDirectory("store")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/sub/watcher.sqlite"
        let store = try StateStore(path: path)
        let tables = try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        for t in ["config", "outbox", "outbox_file", "project", "relion_job", "run"] { #expect(tables.contains(t)) }
        let applied = try store.read { db in try StateStore.migrator.appliedMigrations(db) }
        // The core's own migrations first, then those of every registered news source, each exactly once.
        #expect(applied == ["core-v1", "relion-v1", "queue-v1", "disk-v1", "epu-v1"])
        #expect(try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        _ = try StateStore(path: path)  // opening again applies nothing and fails nothing
        var st = stat()
        stat(path, &st)
        #expect(st.st_mode & 0o777 == 0o600)
    }

    @Test func configRoundTripsAndNeverPrintsTheToken() throws {
        let dir = TestEnv.temporaryDirectory("store")
        defer { TestEnv.removeTemporary(dir) }
        let store = try StateStore(path: dir + "/w.sqlite")
        var c = WatcherConfig()
        c.token = "xoxb-1234-secret-value"
        c.memberID = "U0123ABCD"
        c.pictureStyle = .slice
        c.ignoredTypes = ["select", "relion.joinstar"]
        try store.write { db in try c.save(db) }
        let back = try store.read(WatcherConfig.load)
        #expect(back == c)
        #expect(!back.description.contains("secret"))
        #expect(back.ignores(JobType(label: "relion.select.onvalue")))
        #expect(back.ignores(JobType(relion31Code: 13)))
        #expect(!back.ignores(JobType(label: "relion.refine3d")))
    }

    @Test func theOutboxKeepsEachKeyOnceWithItsAttachments() throws {
        let dir = TestEnv.temporaryDirectory("store")
        defer { TestEnv.removeTemporary(dir) }
        let store = try StateStore(path: dir + "/w.sqlite")
        let t = Date(timeIntervalSince1970: 1_790_000_000)
        let n = Notice(key: "relion|1|Refine3D/job012/|1|finished", source: .relion, title: "done", lines: ["a"],
                       fields: [NoticeField("Resolution", "3.4 Å")],
                       attachments: [NoticeAttachment(filename: "fsc.png", title: "FSC", data: Data([1, 2, 3]))], occurredAt: t)
        let first = try store.write { db in try Outbox.enqueue(db, n, now: t) }
        let second = try store.write { db in try Outbox.enqueue(db, n, now: t) }
        #expect(first && !second)
        let records = try store.read(Outbox.undelivered)
        #expect(records.count == 1)
        let back = try Outbox.notice(of: records[0])
        #expect(back.fields == n.fields && back.lines == n.lines && back.occurredAt == t && back.attachments.isEmpty)
        let files = try store.read { db in try OutboxFileRecord.fetchAll(db) }
        #expect(files.map(\.data) == [Data([1, 2, 3])])
    }

    @Test func slackMessagesCarryTheEventTimeAndSayWhenLate() {
        let happened = Date(timeIntervalSince1970: 1_790_000_000)
        let n = Notice(key: "k", source: .relion, title: "p: Refine3D/job012 Running → Finished", lines: ["x < y"],
                       fields: (0 ..< 12).map { NoticeField("F\($0)", "v") }, occurredAt: happened)
        let onTime = SlackMessage.blocks(n, queuedAt: happened, sentAt: happened.addingTimeInterval(30))
        let late = SlackMessage.blocks(n, queuedAt: happened, sentAt: happened.addingTimeInterval(3 * 3600))
        #expect(onTime.count == 5)  // title, 10 fields, 2 fields, the line, the time
        let lastText = { (b: [[String: Any]]) in ((b.last?["elements"] as? [[String: Any]])?.first?["text"] as? String) ?? "" }
        #expect(lastText(onTime) == "Happened at 2026-09-21 14:13:20 UTC")
        #expect(lastText(late).contains("delivered late at 2026-09-21 17:13:20 UTC"))
        #expect(SlackMessage.text(n, sentAt: happened.addingTimeInterval(3 * 3600)).hasSuffix("(at 2026-09-21 14:13:20 UTC) [delivered late]"))
    }
}
