import Foundation
import GRDB

/// What one look at a scheduler found, before it is compared with the stored state. Made by
/// `QueueWatch.observe` (runs the commands, outside any transaction), consumed by `QueueWatch.poll(_:snapshot:…)`.
public struct QueueSnapshot: Sendable {
    /// Jobs the scheduler lists now; nil when listing failed (then nothing is changed or reported).
    public var listed: [QueueJob]?
    /// Completion records found for jobs no longer listed (or listed as ended without an exit code).
    public var records: [QueueJob]
    /// Ids whose completion records were looked up successfully: only these can be declared vanished.
    public var checkedIDs: Set<String>
    /// Completion records of jobs that ended in the recent window (`QueueWatch.recentWindowStart`); `poll`
    /// keeps only jobs numbered above every job it follows, so none of them is reported twice.
    public var recent: [QueueJob] = []
    /// One line per command that failed (missing, timed out, unreadable), for the run's report.
    public var problems: [String]

    public init(listed: [QueueJob]?, records: [QueueJob] = [], checkedIDs: Set<String> = [], problems: [String] = []) {
        self.listed = listed; self.records = records; self.checkedIDs = checkedIDs; self.problems = problems
    }
}

/// Follows one scheduler: compares what it lists with what the database remembers (`queue_job`) and makes
/// one Notice per change: long pending, started, suspended/requeued, ended (with state, exit code, run time
/// and partition), vanished. Each Notice key is `queue|<source>|<job id>@<submit time>|<event>`, with the
/// number of starts in it so a requeued job's second start is news too, and is made once: the new state is
/// stored in the same transaction that returns the Notice.
///
/// The first poll of a source (no `queue_source` row yet) records the queue without reporting anything, so
/// adding a source with a full queue sends no flood; pass `baseline: true` to do that on purpose later.
///
/// ```swift
/// let watch = QueueWatch(config: QueueSourceConfig(scheduler: .slurm))
/// let snapshot = await watch.observe(knownActive: try db.read { try watch.activeJobIDs($0) })
/// let notices = try db.write { try watch.poll($0, snapshot: snapshot, now: Date()) }   // enqueue in the same write
/// ```
public struct QueueWatch: Sendable {
    /// What to follow and report.
    public var config: QueueSourceConfig
    /// The scheduler (by default the one `config` describes; tests may pass another).
    public var backend: any QueueBackend
    /// Days a finished job's row is kept before it is deleted.
    public var retentionDays: Double = 30

    public init(config: QueueSourceConfig, backend: (any QueueBackend)? = nil) {
        self.config = config
        self.backend = backend ?? config.backend()
    }

    var source: String { config.name }

    /// Ids of this source's jobs last seen pending or running (those whose disappearance is news).
    public func activeJobIDs(_ db: Database) throws -> [String] {
        let finals = QueueJobState.allCases.filter(\.isFinal).map(\.rawValue)
        return try String.fetchAll(db, sql: "SELECT job_id FROM queue_job WHERE source = ? AND state NOT IN (\(finals.map { _ in "?" }.joined(separator: ",")))",
                                   arguments: StatementArguments([source] + finals))
    }

    /// How far back `recentWindowStart` looks at most: after a long gap (cron stopped for a week) the jobs
    /// that ended more than a day ago are not reported one by one.
    public static let longestRecentWindow: TimeInterval = 86400

    /// Where to start looking for jobs that ended since the last poll: two minutes before it (the clocks of
    /// the login node and the scheduler may differ; a job already stored makes no second Notice), at most
    /// `longestRecentWindow` ago. Nil before the source's first poll, which reports nothing anyway.
    public func recentWindowStart(_ db: Database, now: Date) throws -> Date? {
        guard let row = try QueueSourceRecord.fetchOne(db, key: source) else { return nil }
        return max(Date(timeIntervalSince1970: row.lastPoll - 120), now.addingTimeInterval(-Self.longestRecentWindow))
    }

    /// Run the scheduler's commands: list the queue, then look up completion records of `knownActive` jobs
    /// that are no longer listed and of listed failures without an exit code, and, from `since` on (see
    /// `recentWindowStart`), of jobs that ended without ever being seen (submitted and finished between two
    /// runs, and gone from the listing). Never throws: failures become `problems` lines.
    public func observe(knownActive: [String], since: Date? = nil) async -> QueueSnapshot {
        let listed: [QueueJob]
        do { listed = try await backend.listJobs(config.filter) } catch {
            return QueueSnapshot(listed: nil, problems: ["\(config.name): \(error)"])
        }
        let ids = Set(listed.map(\.id))
        let missing = knownActive.filter { !ids.contains($0) && !$0.contains("[") }
        let enrich = listed.filter { $0.state.isProblem && $0.exitCode == nil && $0.state != .cancelled }.map(\.id)
        let ask = Array(Set(missing + enrich)).sorted()
        var snapshot = QueueSnapshot(listed: listed)
        if !ask.isEmpty {
            do {
                snapshot.records = try await backend.finishedJobs(ids: ask)
                snapshot.checkedIDs = Set(ask)
            } catch {
                return QueueSnapshot(listed: listed, problems: ["\(config.name): \(error)"])
            }
        }
        if let since {
            do {
                snapshot.recent = try await backend.finishedJobs(since: since, filter: config.filter)
            } catch {
                snapshot.problems.append("\(config.name): \(error)")
            }
        }
        return snapshot
    }

    /// `observe` for callers without async: runs it on a task and blocks the calling thread until it is done
    /// (at most the command timeout per command). Do not call it from inside a Swift concurrency task.
    public func observeBlocking(knownActive: [String], since: Date? = nil) -> QueueSnapshot {
        final class Box: @unchecked Sendable { var value: QueueSnapshot? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let me = self
        Task.detached {
            box.value = await me.observe(knownActive: knownActive, since: since)
            done.signal()
        }
        done.wait()
        return box.value!
    }

    /// Compare `snapshot` with the stored state inside the caller's transaction, store the new state and
    /// return the Notices for what changed (none when `baseline`, or on the source's first poll).
    public func poll(_ db: Database, snapshot: QueueSnapshot, now: Date, baseline: Bool = false) throws -> [Notice] {
        let sourceRow = try QueueSourceRecord.fetchOne(db, key: source)
        guard let listed = snapshot.listed else {
            if var row = sourceRow { row.lastProblem = snapshot.problems.first; try row.update(db) }
            return []
        }
        let silent = baseline || sourceRow == nil
        var jobs: [String: QueueJob] = [:]
        for j in listed { jobs[j.id] = j }
        for r in snapshot.records { jobs[r.id] = Self.merged(listed: jobs[r.id], record: r) }

        var stored: [String: QueueJobRecord] = [:]
        for r in try QueueJobRecord.filter(Column("source") == source).fetchAll(db) { stored[r.jobID] = r }
        // Jobs that ended unseen between two polls. Such a job was submitted after the last poll, so its
        // number is above that of every job stored or listed (schedulers number jobs upwards): that rule,
        // not the submit time (`sacct -c` may give another one than the listing did, which must not read as
        // a reused id), keeps out jobs already followed, including an array's own record (`4712`) once its
        // `4712_[pending]` line is gone. Ids that are not numbers fall back to "never stored nor listed".
        let followed = Set(stored.keys).union(jobs.keys)
        let highest = followed.compactMap(Self.jobNumber).max()
        for r in snapshot.recent where !followed.contains(r.id) {
            if let n = Self.jobNumber(r.id), let h = highest, n <= h { continue }
            jobs[r.id] = r
        }

        var notices: [Notice] = []
        for job in jobs.values.sorted(by: Self.order) {
            var prev = stored[job.id]
            // A reused job id (a new submission) starts a new history.
            if let p = prev, p.job.state.isFinal, let a = p.job.submitTime, let b = job.submitTime, abs(a.timeIntervalSince(b)) > 1 {
                prev = nil
            }
            let (record, made) = transition(prev, job, now: now)
            if !silent { notices += made }
            try record.save(db)
        }
        // The pending tasks of an array job are all running or done: the placeholder line is gone, quietly.
        for (id, row) in stored where row.job.isArrayPlaceholder && jobs[id] == nil {
            try row.delete(db)
        }
        // Pending or running before, gone now, and no completion record: vanished.
        for (id, row) in stored where !row.job.state.isFinal && jobs[id] == nil && snapshot.checkedIDs.contains(id) {
            var r = row
            let last = r.job.state
            r.job.state = .vanished
            r.job.rawState = "VANISHED"
            r.updatedAt = now
            if !silent && config.events.contains(.vanished) {
                notices.append(notice(r.job, event: "vanished", starts: r.starts,
                                      title: QueueNoticeText.vanished(r.job, last: last, scheduler: backend.scheduler),
                                      at: now, now: now))
            }
            try r.update(db)
        }
        try QueueSourceRecord(source: source, lastPoll: now.timeIntervalSince1970, lastProblem: snapshot.problems.first).save(db)
        let finals = QueueJobState.allCases.filter(\.isFinal).map(\.rawValue)
        try db.execute(sql: "DELETE FROM queue_job WHERE source = ? AND updated_at < ? AND state IN (\(finals.map { _ in "?" }.joined(separator: ",")))",
                       arguments: StatementArguments([source as DatabaseValueConvertible, now.timeIntervalSince1970 - retentionDays * 86400] + finals.map { $0 as DatabaseValueConvertible }))
        return notices
    }

    /// Observe and record in one go: commands first, then one write transaction.
    /// - Returns: the Notices (already consistent with the stored state) and the problem lines.
    public func poll(db: some DatabaseWriter, now: Date, baseline: Bool = false) async throws -> (notices: [Notice], problems: [String]) {
        let (known, since) = try await db.read { (try self.activeJobIDs($0), try self.recentWindowStart($0, now: now)) }
        let snapshot = await observe(knownActive: known, since: since)
        let notices = try await db.write { try self.poll($0, snapshot: snapshot, now: now, baseline: baseline) }
        return (notices, snapshot.problems)
    }

    /// A listed job completed by its accounting record: the record's ending wins, listed fields fill gaps.
    static func merged(listed: QueueJob?, record: QueueJob) -> QueueJob {
        guard var j = listed else { return record }
        if record.state.isFinal { j.state = record.state; j.rawState = record.rawState }
        j.exitCode = record.exitCode ?? j.exitCode
        j.signal = record.signal ?? j.signal
        j.endTime = record.endTime ?? j.endTime
        j.startTime = j.startTime ?? record.startTime
        j.elapsed = record.elapsed ?? j.elapsed
        j.workDir = j.workDir ?? record.workDir
        return j
    }

    /// The number a job id starts with (`4712` of `4712`, `4712_3`, `4712_[pending]`, `4712.server`).
    static func jobNumber(_ id: String) -> Int? { Int(id.prefix { $0.isNumber }) }

    static func order(_ a: QueueJob, _ b: QueueJob) -> Bool {
        let ka = (a.endTime ?? a.startTime ?? a.submitTime ?? .distantPast, a.id)
        let kb = (b.endTime ?? b.startTime ?? b.submitTime ?? .distantPast, b.id)
        return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1.compare(kb.1, options: .numeric) == .orderedAscending
    }

    /// The stored record after seeing `job`, and the Notices the change makes.
    func transition(_ prev: QueueJobRecord?, _ job: QueueJob, now: Date) -> (QueueJobRecord, [Notice]) {
        let sched = backend.scheduler
        var rec = prev ?? QueueJobRecord(source: source, job: job, starts: 0, pendingNoticed: false, firstSeen: now, updatedAt: now)
        let before = prev?.job.state
        var job = job
        // Keep what an earlier look knew and this one does not say.
        if let p = prev?.job {
            job.submitTime = job.submitTime ?? p.submitTime
            job.startTime = job.startTime ?? (job.state == .pending ? nil : p.startTime)
            job.workDir = job.workDir ?? p.workDir
            job.timeLimit = job.timeLimit ?? p.timeLimit
            if job.name.isEmpty { job.name = p.name }
            if job.partition.isEmpty { job.partition = p.partition }
        }
        var out: [Notice] = []
        let events = config.events
        if job.state != before {
            switch job.state {
            case .running:
                rec.starts += 1
                if events.contains(.started) {
                    out.append(notice(job, event: "started-\(rec.starts)", starts: rec.starts,
                                      title: QueueNoticeText.started(job, previous: before, scheduler: sched),
                                      at: job.startTime ?? now, now: now))
                }
            case .completing:
                if before == nil || before == .pending || before == .requeued { rec.starts += 1 }
            case .suspended, .requeued:
                if events.contains(.interrupted) {
                    out.append(notice(job, event: "\(job.state.rawValue)-\(rec.starts)", starts: rec.starts,
                                      title: QueueNoticeText.interrupted(job, scheduler: sched), at: now, now: now))
                }
            case .pending:
                if let b = before, b == .running || b == .completing || b == .suspended, events.contains(.interrupted) {
                    out.append(notice(job, event: "requeued-\(rec.starts)", starts: rec.starts,
                                      title: QueueNoticeText.interrupted(job, scheduler: sched), at: now, now: now))
                }
            case .unknown:
                break
            default:  // an ending
                if before == nil || before == .pending || before == .requeued, job.startTime != nil { rec.starts += 1 }
                let event: QueueEvent = job.state == .completed ? .completed : .ended
                if events.contains(event) {
                    out.append(notice(job, event: "end-\(rec.starts)", starts: rec.starts,
                                      title: QueueNoticeText.ended(job, scheduler: sched, now: now),
                                      at: job.endTime ?? now, now: now))
                }
            }
        }
        if job.state == .pending, !rec.pendingNoticed, let submitted = job.submitTime,
           now.timeIntervalSince(submitted) >= config.pendingNoticeMinutes * 60 {
            rec.pendingNoticed = true
            if events.contains(.pendingLong) {
                out.append(notice(job, event: "pending", starts: rec.starts,
                                  title: QueueNoticeText.pending(job, scheduler: sched, now: now), at: now, now: now))
            }
        }
        rec.job = job
        rec.updatedAt = now
        return (rec, out)
    }

    func notice(_ job: QueueJob, event: String, starts: Int, title: String, at: Date, now: Date) -> Notice {
        let submitted = job.submitTime.map { String(Int($0.timeIntervalSince1970)) } ?? "0"
        return Notice(key: "queue|\(source)|\(job.id)@\(submitted)|\(event)", source: .queue, title: title,
                      fields: QueueNoticeText.fields(job, scheduler: backend.scheduler, now: now), occurredAt: at)
    }
}
