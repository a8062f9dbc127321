import Foundation
import GRDB

/// One run of the Watcher: take the run lock, ask every news source for changes (each in its own
/// transaction, with its Notices put into the outbox in that same transaction), then deliver the outbox.
public struct WatcherRun {
    /// What to do.
    public struct Options: Sendable {
        public var mode: RunMode = .normal
        /// Project names (`--project`, repeatable); empty: all.
        public var projects: [String] = []
        /// Slack API base (`--slack-url`), nil: `$EMWATCH_SLACK_URL` or Slack.
        public var slackURL: String?
        /// Seconds for one Slack request.
        public var httpTimeout: Int = 30
        public init() {}
    }

    /// What the run did.
    public struct Summary: Sendable {
        /// Notices found and queued (for a dry run: found).
        public var detected: [Notice] = []
        /// Messages delivered.
        public var sent = 0
        /// Messages still waiting after the run.
        public var pending = 0
        /// One line per problem (a project that cannot be read, Slack down…).
        public var problems: [String] = []
        /// Set when the run did nothing because another live run holds the lock.
        public var skippedBecauseBusy: RunLock.Holder?
        /// Set when this run stopped a stuck run and took its lock.
        public var tookOverFrom: RunLock.Holder?
    }

    public var store: StateStore
    public var options: Options
    /// Where progress lines go.
    public var log: (String) -> Void

    public init(store: StateStore, options: Options, log: @escaping (String) -> Void = { _ in }) {
        self.store = store
        self.options = options
        self.log = log
    }

    /// Run once over the configured sources of every kind in `NewsSources.kinds`, or over `sources` when given.
    /// Throws only for problems that stop the whole run (database, lock file, an unknown `--project`).
    public func execute(now: Date = Date(), sources given: [any NewsSource]? = nil) throws -> Summary {
        var summary = Summary()
        let config = try store.read(WatcherConfig.load)
        let lock = RunLock(databasePath: store.path)
        switch try lock.acquire(staleAfter: TimeInterval(config.staleLockSeconds), now: now) {
        case .busy(let holder):
            summary.skippedBecauseBusy = holder ?? RunLock.Holder(pid: 0, startedAt: .distantPast, host: "?")
            return summary
        case .tookOver(let holder):
            summary.tookOverFrom = holder
            summary.problems.append("took over the run lock from a stuck run (\(holder))")
        case .acquired:
            break
        }
        defer { lock.release() }

        let context = PollContext(now: now, mode: options.mode, projectFilter: options.projects)
        var run = RunRecord(id: nil, startedAt: now, finishedAt: nil, pid: getpid(), host: context.host,
                            mode: options.mode.rawValue, detected: 0, sent: 0, problems: nil)
        if options.mode != .dryRun { try store.write { db in try run.insert(db) } }

        var groups: [[any NewsSource]] = []
        if let given { groups = [given] } else {
            for kind in NewsSources.kinds {
                do { groups.append(try store.read { db in try kind.configured(in: db, context: context) }) } catch {
                    if case WatcherError.project = error { throw error }
                    summary.problems.append("\(kind): \(error)")
                }
            }
        }
        for sources in groups {
            for source in sources {
                source.prepare(store.pool, context: context)
                do { summary.detected += try poll(source, context: context) } catch {
                    summary.problems.append("\(source.name): \(error)")
                }
                summary.problems += source.problems
            }
        }

        if options.mode == .normal || options.mode == .force {
            if config.token != nil {
                let slack = SlackClient(token: config.token!, baseURL: SlackClient.baseURL(option: options.slackURL),
                                        http: HTTPClient(timeout: options.httpTimeout))
                let result = Delivery(store: store, slack: slack, log: log).deliverAll()
                summary.sent = result.sent
                summary.problems += result.problems
            } else {
                summary.problems.append("no Slack token set: run `emwatch init`; messages wait in the outbox")
            }
        }
        summary.pending = try store.read { db in try Outbox.undelivered(db).count }
        if options.mode != .dryRun {
            run.finishedAt = Date()
            run.detected = summary.detected.count
            run.sent = summary.sent
            run.problems = summary.problems.isEmpty ? nil : summary.problems.joined(separator: "\n")
            try store.write { db in try run.update(db) }
        }
        return summary
    }

    /// Poll one source in its own transaction; queue its Notices (or drop them for a baseline, or roll
    /// everything back for a dry run).
    private func poll(_ source: any NewsSource, context: PollContext) throws -> [Notice] {
        var found: [Notice] = []
        do {
            try store.pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    found = try source.poll(db, context: context)
                    switch options.mode {
                    case .dryRun:
                        return .rollback
                    case .baseline:
                        break
                    case .normal, .force:
                        found = try found.filter { try Outbox.enqueue(db, $0, now: context.now) }
                    }
                    CrashHook.point("polled")
                    return .commit
                }
            }
        } catch let e as DatabaseError {
            throw WatcherError.database(path: store.path, problem: StateStore.explain(e))
        }
        CrashHook.point("committed")
        return found
    }
}
