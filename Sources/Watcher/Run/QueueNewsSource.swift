import Foundation
import GRDB

/// One followed scheduler (`emwatch queue add`) as a news source of the run.
///
/// The scheduler's commands (`squeue`, `sacct`, `qstat`, `bjobs`) run in `prepare`, before the run opens the
/// write transaction, so a slow scheduler never holds the database's write lock; `poll` then compares the
/// snapshot with the stored state and stores the new state in the transaction that enqueues the Notices.
/// A missing or failing command is one line in `problems`: the source changes and reports nothing in that
/// run, and the other sources still run.
///
/// Queue Notices about a RELION job (`RELION job` field) whose RELION Notice was queued earlier in the same
/// run (RELION sources are polled first) are folded into that Notice in the outbox (`QueueLink.merge`), in
/// this same transaction, so the user gets one message: "Refine3D/job012: TIMEOUT after 48:00:00 in
/// partition gpu" on top of RELION's own. A dry run shows them apart (nothing is queued in a dry run).
public final class QueueNewsSource: NewsSource {
    /// The scheduler and what to follow.
    public let watch: QueueWatch
    private var snapshot: QueueSnapshot?

    public init(watch: QueueWatch) { self.watch = watch }

    public var name: String { "queue:\(watch.config.name)" }

    public var problems: [String] { snapshot?.problems ?? [] }

    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        QueueWatch.registerMigrations(&migrator)
    }

    /// None when the run is limited to some RELION projects (`run --project`, e.g. `run --baseline --project
    /// NEW` after adding a project must not silence this source's news).
    public static func configured(in db: Database, context: PollContext) throws -> [any NewsSource] {
        guard context.projectFilter.isEmpty else { return [] }
        return try QueueWatch.sources(db).map { QueueNewsSource(watch: QueueWatch(config: $0)) }
    }

    /// Run the scheduler commands (at most the configured timeout each), outside any transaction.
    public func prepare(_ reader: any DatabaseReader, context: PollContext) {
        let (known, since) = (try? reader.read { db in
            (try self.watch.activeJobIDs(db), try self.watch.recentWindowStart(db, now: context.now))
        }) ?? ([], nil)
        snapshot = watch.observeBlocking(knownActive: known, since: since)
    }

    public func poll(_ db: Database, context: PollContext) throws -> [Notice] {
        if snapshot == nil {
            snapshot = watch.observeBlocking(knownActive: try watch.activeJobIDs(db), since: try watch.recentWindowStart(db, now: context.now))
        }
        let notices = try watch.poll(db, snapshot: snapshot!, now: context.now, baseline: context.mode == .baseline)
        guard context.mode == .normal || context.mode == .force, notices.contains(where: { QueueLink(notice: $0) != nil })
        else { return notices }
        return try Self.mergeIntoQueuedRelion(db, notices, now: context.now)
    }

    /// Fold `notices` into this run's not yet sent RELION Notices in the outbox (those queued at `now`);
    /// returns the queue Notices left to queue on their own.
    static func mergeIntoQueuedRelion(_ db: Database, _ notices: [Notice], now: Date) throws -> [Notice] {
        let rows = try OutboxRecord.filter(Column("source") == NoticeSource.relion.rawValue && Column("status") == "pending"
                                           && Column("attempts") == 0 && Column("createdAt") == now).fetchAll(db)
        guard !rows.isEmpty else { return notices }
        var relion: [Notice] = []
        for r in rows { relion.append(try Outbox.notice(of: r)) }
        var projectPaths: [String: String] = [:]
        for p in try ProjectRecord.fetchAll(db) { projectPaths[p.name] = p.path }
        let merged = QueueLink.merge(relion + notices) { n in
            guard let job = n.fields.first(where: { $0.name == "Job" })?.value else { return nil }
            let project = n.fields.first { $0.name == "Project" }?.value
            return QueueLink(jobPath: job, projectDirectory: project.flatMap { projectPaths[$0] })
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        for (i, n) in merged.enumerated() where i < relion.count && n.lines != relion[i].lines {
            var row = rows[i]
            var bare = n
            bare.attachments = []
            row.notice = try encoder.encode(bare)
            try row.update(db)
        }
        return Array(merged.dropFirst(relion.count))
    }
}
