import Foundation
import GRDB

/// A source of news for one run: RELION projects, a cluster queue, a disk, a microscope's EPU sessions.
///
/// A run asks every source in turn. Each `poll` is called inside its own write transaction of the state
/// database: the source compares what it sees now with what it stored in earlier runs, updates its own tables
/// and returns one `Notice` per change. The run puts those Notices into the outbox in the same transaction, so
/// the stored state and the outbox always agree: a crash before the commit loses nothing (the next run sees the
/// same change again), a crash after it duplicates nothing (the Notice waits in the outbox).
///
/// Only one run works at a time (the run lock), so a source may take its time (run `squeue`, read files);
/// readers such as `emwatch status` are not blocked (WAL mode).
///
/// To add a kind of source: make a type conforming to `NewsSource` and add it to `NewsSources.kinds`
/// (Run/NewsSources.swift). Its tables come from `registerMigrations`, collected into the store's migrator.
public protocol NewsSource {
    /// Short name shown in `status`, logs and errors, e.g. `relion:apoferritin`, `slurm`, `disk:/data`.
    var name: String { get }

    /// Look for news. Runs inside a write transaction on `db`; returns the Notices of the changes seen since
    /// the last run, oldest first. Throwing rolls back this source's transaction only: the error is shown as
    /// one line in the run's summary and the other sources still run.
    func poll(_ db: Database, context: PollContext) throws -> [Notice]

    /// Register the migrations of this kind's own tables (names prefixed by the kind, e.g. `queue_job`).
    /// Migrations are never edited once shipped; add new ones instead.
    static func registerMigrations(_ migrator: inout DatabaseMigrator)

    /// The sources of this kind the user has configured (e.g. one per `emwatch queue add`), read from `db`.
    static func configured(in db: Database, context: PollContext) throws -> [any NewsSource]

    /// Slow work done before the write transaction, e.g. running `squeue`: the run calls it just before
    /// `poll`, with a reader of the state database (no transaction held). Default: nothing.
    func prepare(_ reader: any DatabaseReader, context: PollContext)

    /// Problems that did not stop the source (a missing `qstat`, an unreadable path), one line each, read
    /// by the run after `poll` and shown in its summary. Default: none.
    var problems: [String] { get }
}

extension NewsSource {
    /// Nothing to do before the transaction.
    public func prepare(_ reader: any DatabaseReader, context: PollContext) {}
    /// No problems besides those `poll` throws.
    public var problems: [String] { [] }
}

/// What a source knows about the run it is polled in.
public struct PollContext: Sendable {
    /// Time of the run (one value for the whole run, so every source agrees).
    public var now: Date
    /// How the run treats changes.
    public var mode: RunMode
    /// Host name of the machine the Watcher runs on (shown in messages).
    public var host: String
    /// Names of the RELION projects the user asked for with `run --project` (empty: all).
    public var projectFilter: [String]

    public init(now: Date, mode: RunMode = .normal, host: String = HostName.current,
                projectFilter: [String] = []) {
        self.now = now
        self.mode = mode
        self.host = host
        self.projectFilter = projectFilter
    }
}

/// How a run treats what it finds.
public enum RunMode: String, Codable, Sendable {
    /// Record changes and send their Notices.
    case normal
    /// Record the current state without sending anything (`run --baseline`): the Notices returned are dropped.
    case baseline
    /// Report every item again, changed or not (`run --force`); sources that cannot re-report ignore this.
    case force
    /// Print what would be sent, change nothing (`run --dry-run`): the transaction is rolled back.
    case dryRun
}

/// The machine's host name from `gethostname` (no DNS look-up, which can hang on a cluster login node).
public enum HostName {
    /// The short host name, or `localhost` when it cannot be read.
    public static var current: String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        return String(cString: buf)
    }
}
