import Foundation
import GRDB
import Testing
@testable import Watcher

/// A scheduler whose answers the test sets between polls (for the state machine; the real Slurm test in
/// QueueSlurmTests drives the same code through real commands).
final class ScriptedQueue: QueueBackend, @unchecked Sendable {
    let scheduler: SchedulerKind
    private let lock = NSLock()
    private var _listed: [QueueJob] = []
    private var _records: [QueueJob] = []
    private var _failListing = false
    private var _failRecords = false
    private var _recent: [QueueJob] = []
    private var _asked: [Date] = []
    init(_ scheduler: SchedulerKind = .slurm) { self.scheduler = scheduler }

    func set(listed: [QueueJob], records: [QueueJob] = [], failListing: Bool = false, failRecords: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        _listed = listed; _records = records; _failListing = failListing; _failRecords = failRecords
    }

    func listJobs(_ filter: QueueFilter) async throws -> [QueueJob] {
        try lock.withLock {
            if _failListing { throw QueueError.timedOut(command: "squeue -h -t all", seconds: 60) }
            return _listed
        }
    }

    /// Jobs the accounting reports as ended in the recent window (`finishedJobs(since:filter:)`).
    func set(recent: [QueueJob]) { lock.withLock { _recent = recent } }
    /// The window starts the watcher asked for, in order.
    var askedSince: [Date] { lock.withLock { _asked } }

    func finishedJobs(since: Date, filter: QueueFilter) async throws -> [QueueJob] {
        lock.withLock {
            _asked.append(since)
            return _recent.filter { ($0.endTime ?? .distantFuture) >= since && filter.admits($0) }
        }
    }

    func finishedJobs(ids: [String]) async throws -> [QueueJob] {
        try lock.withLock {
            if _failRecords { throw QueueError.failed(command: "sacct -X -P", status: "exit status 1", message: "boom") }
            return _records.filter { ids.contains($0.id) }
        }
    }
}

func queueDatabase() throws -> DatabaseQueue {
    let db = try DatabaseQueue()
    var m = DatabaseMigrator()
    QueueWatch.registerMigrations(&m)
    try m.migrate(db)
    return db
}

@Suite struct QueueWatchTests {
    let t0 = Date(timeIntervalSince1970: 1_709_280_000)

    func refine(_ state: QueueJobState, start: Date? = nil, end: Date? = nil, elapsed: Double? = nil) -> QueueJob {
        QueueJob(id: "4711", name: "Refine3D/job012/", user: "alice", partition: "gpu", state: state,
                 reason: state == .pending ? "Resources" : nil, submitTime: t0, startTime: start, endTime: end,
                 timeLimit: 172_800, elapsed: elapsed, workDir: "/data/p1", nodes: state == .pending ? nil : "gpu07")
    }

    func watch(_ q: ScriptedQueue, pendingMinutes: Double = 60) -> QueueWatch {
        QueueWatch(config: QueueSourceConfig(scheduler: q.scheduler, users: ["alice"], pendingNoticeMinutes: pendingMinutes), backend: q)
    }

    @Test func migrationsCreateTheTables() throws {
        let dbq = try queueDatabase()
        let tables = try dbq.read { db in (try db.tableExists("queue_job"), try db.tableExists("queue_source")) }
        #expect(tables.0 && tables.1)
        var m = DatabaseMigrator()
        QueueWatch.registerMigrations(&m)
        #expect(m.migrations == ["queue-v1"])
    }

    @Test func firstPollRecordsWithoutReportingThenEachTransitionOnce() async throws {
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = watch(q)
        q.set(listed: [refine(.pending)])
        #expect(try await w.poll(db: db, now: t0.addingTimeInterval(60)).notices.isEmpty)  // baseline

        // Pending for more than an hour: one Notice, with the reason.
        var n = try await w.poll(db: db, now: t0.addingTimeInterval(3601)).notices
        #expect(n.map(\.title) == ["Refine3D/job012: PENDING for 01:00:01 in partition gpu (reason: Resources)"])
        #expect(try await w.poll(db: db, now: t0.addingTimeInterval(7200)).notices.isEmpty)

        let start = t0.addingTimeInterval(7200)
        q.set(listed: [refine(.running, start: start, elapsed: 10)])
        n = try await w.poll(db: db, now: start.addingTimeInterval(10)).notices
        #expect(n.map(\.title) == ["Refine3D/job012: RUNNING in partition gpu on gpu07 (waited 02:00:00)"])
        #expect(n.first?.key == "queue|slurm|4711@1709280000|started-1")
        #expect(try await w.poll(db: db, now: start.addingTimeInterval(20)).notices.isEmpty)

        // Gone from squeue; sacct says TIMEOUT.
        let end = start.addingTimeInterval(172_800)
        q.set(listed: [], records: [refine(.timeout, start: start, end: end, elapsed: 172_800)])
        n = try await w.poll(db: db, now: end.addingTimeInterval(100)).notices
        #expect(n.map(\.title) == ["Refine3D/job012: TIMEOUT after 48:00:00 in partition gpu"])
        let notice = try #require(n.first)
        #expect(notice.key == "queue|slurm|4711@1709280000|end-1")
        #expect(notice.occurredAt == end)
        #expect(notice.source == .queue)
        #expect(QueueLink(notice: notice) == QueueLink(jobPath: "Refine3D/job012/", projectDirectory: "/data/p1"))
        #expect(notice.fields.contains(NoticeField("Time limit", "48:00:00")))
        #expect(try await w.poll(db: db, now: end.addingTimeInterval(200)).notices.isEmpty)
    }

    @Test func failureCarriesTheExitCodeFromAccounting() async throws {
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = watch(q)
        q.set(listed: [])
        _ = try await w.poll(db: db, now: t0)
        // squeue -O has no exit code: a listed FAILED job is completed by its sacct record.
        var listed = QueueJob(id: "77", name: "motioncor", user: "alice", partition: "cpu", state: .failed,
                              submitTime: t0, startTime: t0, endTime: t0.addingTimeInterval(130), elapsed: 130, nodes: "c1")
        let record = { () -> QueueJob in var r = listed; r.exitCode = 3; return r }()
        q.set(listed: [listed], records: [record])
        let n = try await w.poll(db: db, now: t0.addingTimeInterval(200)).notices
        #expect(n.map(\.title) == ["Slurm job 77 (motioncor): FAILED (exit code 3) after 00:02:10 in partition cpu"])
        #expect(n.first?.fields.contains(NoticeField("Exit code", "3")) == true)
        listed.state = .failed
        q.set(listed: [], records: [record])
        #expect(try await w.poll(db: db, now: t0.addingTimeInterval(300)).notices.isEmpty)
    }

    /// A job submitted and ended between two polls, gone from the listing before the second: found through
    /// the accounting window that starts two minutes before the last poll, reported once, and not again.
    @Test func aJobThatStartedAndEndedBetweenTwoPollsIsReportedOnce() async throws {
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = watch(q)
        q.set(listed: [])
        _ = try await w.poll(db: db, now: t0)  // baseline: no window asked for before the first poll
        #expect(q.askedSince.isEmpty)
        var quick = QueueJob(id: "78", name: "motioncor", user: "alice", partition: "cpu", state: .failed, submitTime: t0.addingTimeInterval(30),
                             startTime: t0.addingTimeInterval(31), endTime: t0.addingTimeInterval(40), elapsed: 9, nodes: "c1")
        quick.exitCode = 1
        var other = quick
        other.id = "79"; other.user = "bob"
        q.set(recent: [quick, other])
        let n = try await w.poll(db: db, now: t0.addingTimeInterval(300)).notices
        #expect(q.askedSince == [t0.addingTimeInterval(-120)])
        #expect(n.map(\.title) == ["Slurm job 78 (motioncor): FAILED (exit code 1) after 00:00:09 in partition cpu"])
        #expect(n.first?.key == "queue|slurm|78@\(Int(t0.timeIntervalSince1970) + 30)|end-1")
        // The next window overlaps the last one by two minutes and still holds the job: no second Notice.
        #expect(try await w.poll(db: db, now: t0.addingTimeInterval(400)).notices.isEmpty)
        #expect(q.askedSince.last == t0.addingTimeInterval(180))
        // A record numbered below a job already followed was submitted before the last poll, so that poll
        // listed it (an array's own record, say, once its pending line is gone): not news.
        var older = quick
        older.id = "60"; older.submitTime = t0.addingTimeInterval(350)
        q.set(recent: [quick, older])
        #expect(try await w.poll(db: db, now: t0.addingTimeInterval(450)).notices.isEmpty)
        // After a week without runs the window reaches back one day at most.
        _ = try await w.poll(db: db, now: t0.addingTimeInterval(400 + 7 * 86400))
        #expect(q.askedSince.last == t0.addingTimeInterval(400 + 6 * 86400))
    }

    @Test func vanishedOnlyWhenTheLookupSucceededAndFoundNothing() async throws {
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = watch(q)
        q.set(listed: [refine(.running, start: t0)])
        _ = try await w.poll(db: db, now: t0)

        // Accounting fails: not vanished, one problem line.
        q.set(listed: [], failRecords: true)
        var r = try await w.poll(db: db, now: t0.addingTimeInterval(60))
        #expect(r.notices.isEmpty)
        #expect(r.problems == ["slurm: sacct -X -P: failed (exit status 1): boom"])

        // Listing fails: nothing changes.
        q.set(listed: [], failListing: true)
        r = try await w.poll(db: db, now: t0.addingTimeInterval(120))
        #expect(r.notices.isEmpty && r.problems == ["slurm: squeue -h -t all: no answer within 60 s, stopped"])
        #expect(try await db.read { try w.activeJobIDs($0) } == ["4711"])

        q.set(listed: [])
        r = try await w.poll(db: db, now: t0.addingTimeInterval(180))
        #expect(r.notices.map(\.title) == ["Refine3D/job012: VANISHED from the queue (last seen RUNNING), no completion record"])
        #expect(r.notices.first?.key == "queue|slurm|4711@1709280000|vanished")
        #expect(try await w.poll(db: db, now: t0.addingTimeInterval(240)).notices.isEmpty)
        #expect(try await db.read { try w.activeJobIDs($0) }.isEmpty)
    }

    @Test func requeuedJobStartsAgainWithANewKey() async throws {
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = watch(q)
        q.set(listed: [])
        _ = try await w.poll(db: db, now: t0)
        var keys: [String] = []
        for (i, state) in [QueueJobState.running, .pending, .running, .completed].enumerated() {
            let at = t0.addingTimeInterval(Double(i + 1) * 100)
            q.set(listed: [refine(state, start: state == .pending ? nil : at, end: state == .completed ? at : nil, elapsed: 50)])
            keys += try await w.poll(db: db, now: at).notices.map(\.key)
        }
        #expect(keys.map { $0.split(separator: "|").last! } == ["started-1", "requeued-1", "started-2", "end-2"])
        #expect(Set(keys).count == keys.count)
    }

    @Test func aRolledBackTransactionReportsAgainNextTime() async throws {
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = watch(q)
        q.set(listed: [])
        _ = try await w.poll(db: db, now: t0)
        q.set(listed: [refine(.running, start: t0)])
        let snapshot = await w.observe(knownActive: [])
        struct Crash: Error {}
        // The run dies before its transaction commits (e.g. while enqueueing): nothing is stored...
        _ = try? await db.write { db -> Void in
            #expect(try w.poll(db, snapshot: snapshot, now: t0).count == 1)
            throw Crash()
        }
        // ...so the next run finds the same change, with the same key.
        let again = try await w.poll(db: db, now: t0.addingTimeInterval(5)).notices
        #expect(again.map(\.key) == ["queue|slurm|4711@1709280000|started-1"])
    }

    @Test func mergeFoldsALinkedQueueNoticeIntoTheRELIONOne() {
        let relion = Notice(key: "relion|p1|Refine3D/job012/|failed", source: .relion,
                            title: "Refine3D/job012: Running → Failed", fields: [NoticeField("Project", "p1")], occurredAt: t0)
        let queue = Notice(key: "queue|slurm|4711@1|end-1", source: .queue, title: "Refine3D/job012: TIMEOUT after 48:00:00 in partition gpu",
                           fields: [NoticeField("Scheduler", "Slurm"), NoticeField(QueueLink.jobField, "Refine3D/job012/"),
                                    NoticeField(QueueLink.projectField, "/data/p1/")], occurredAt: t0)
        let other = Notice(key: "queue|slurm|4712@1|end-1", source: .queue, title: "Class2D/job003: COMPLETED after 00:10:00",
                           fields: [NoticeField(QueueLink.jobField, "Class2D/job003/")], occurredAt: t0)
        let merged = QueueLink.merge([relion, queue, other]) { n in
            n.key.hasPrefix("relion|") ? QueueLink(jobPath: "Refine3D/job012/", projectDirectory: "/data/p1") : nil
        }
        #expect(merged.count == 2)
        #expect(merged[0].key == relion.key && merged[0].title == relion.title)
        #expect(merged[0].lines.first == "Refine3D/job012: TIMEOUT after 48:00:00 in partition gpu")
        #expect(merged[0].fields.map(\.name) == ["Project", "Scheduler", "RELION job", "RELION project"])
        #expect(merged[1] == other)
        // A different project is a different job.
        let elsewhere = QueueLink.merge([relion, queue]) { _ in QueueLink(jobPath: "Refine3D/job012/", projectDirectory: "/data/p2") }
        #expect(elsewhere.count == 2)
    }

    @Test func missingSchedulerCommandIsOneProblemLine() async throws {
        // No PBS on this machine: qstat is not installed.
        let db = try queueDatabase()
        var config = QueueSourceConfig(scheduler: .pbs)
        config.environment = ["PATH": "/nonexistent"]
        let w = QueueWatch(config: config)
        let r = try await w.poll(db: db, now: t0)
        #expect(r.notices.isEmpty)
        #expect(r.problems == ["pbs: qstat: command not found (is the scheduler's client installed and on PATH?)"])
    }

    @Test func commandsTimeOutAndFailInOneLine() async throws {
        let short = SchedulerCommand(timeout: 0.5)
        await #expect(throws: QueueError.timedOut(command: "/bin/sleep 30", seconds: 0.5)) { try await short.run("/bin/sleep", ["30"]) }
        // The other cases get a timeout a loaded machine cannot reach, so only the timeout case depends on time.
        let cmd = SchedulerCommand(timeout: 60)
        await #expect(throws: QueueError.failed(command: "/bin/sh -c echo boom >&2; exit 2", status: "exit status 2", message: "boom")) {
            try await cmd.run("/bin/sh", ["-c", "echo boom >&2; exit 2"])
        }
        await #expect(throws: QueueError.commandNotFound("emtools-no-such-squeue")) { try await cmd.run("emtools-no-such-squeue", []) }
        #expect(try await cmd.run("/bin/echo", ["hi"]) == "hi\n")
    }

    @Test func configurationDecodesWithDefaultsAndFollowsTheCurrentUser() throws {
        let c = try JSONDecoder().decode(QueueSourceConfig.self, from: Data("{\"scheduler\":\"slurm\",\"partitions\":[\"gpu\"]}".utf8))
        #expect(c.name == "slurm" && c.partitions == ["gpu"] && c.timeoutSeconds == 60 && c.events == Set(QueueEvent.allCases))
        #expect(c.filter.users == [QueueSourceConfig.currentUser] && !QueueSourceConfig.currentUser.isEmpty)
        #expect(QueueSourceConfig(scheduler: .lsf, users: ["*"]).filter.users.isEmpty)
        let round = try JSONDecoder().decode(QueueSourceConfig.self, from: try JSONEncoder().encode(c))
        #expect(round == c)
    }
}

@Suite struct QueueWatchBlockingTests {
    @Test func blockingObserveForSynchronousRuns() throws {
        let q = ScriptedQueue(.lsf)
        q.set(listed: [QueueJob(id: "98001", name: "Refine3D/job012/", user: "alice", partition: "gpu", state: .running)])
        let w = QueueWatch(config: QueueSourceConfig(scheduler: .lsf), backend: q)
        let db = try queueDatabase()
        let snapshot = w.observeBlocking(knownActive: try db.read { try w.activeJobIDs($0) })
        #expect(snapshot.listed?.map(\.id) == ["98001"] && snapshot.problems.isEmpty)
        let (notices, active) = try db.write { db in (try w.poll(db, snapshot: snapshot, now: Date()), try w.activeJobIDs(db)) }
        #expect(notices.isEmpty)  // first poll: baseline
        #expect(active == ["98001"])
    }
}

@Suite struct WatchConfigurationStoreTests {
    @Test func sourcesAreStoredAndRemoved() throws {
        let db = try DatabaseQueue()
        var m = DatabaseMigrator()
        QueueWatch.registerMigrations(&m)
        DiskWatch.registerMigrations(&m)
        EPUWatch.registerMigrations(&m)
        try m.migrate(db)
        #expect(m.migrations == ["queue-v1", "disk-v1", "epu-v1"])
        try db.write { db in
            try QueueWatch.saveSource(db, QueueSourceConfig(scheduler: .slurm, users: ["alice"], partitions: ["gpu"]))
            try QueueWatch.saveSource(db, QueueSourceConfig(name: "hpc2", scheduler: .pbs))
            try DiskWatch.saveConfig(db, DiskWatchConfig(paths: [DiskPathConfig(path: "/data", threshold: .percent(5))]))
            try EPUWatch.saveConfig(db, EPUWatchConfig(roots: ["/frames"], stallMinutes: 20))
        }
        let (queues, disk, epu) = try db.read { db in (try QueueWatch.sources(db), try DiskWatch.config(db), try EPUWatch.config(db)) }
        #expect(queues.map(\.name) == ["hpc2", "slurm"] && queues[1].partitions == ["gpu"] && queues[1].users == ["alice"])
        #expect(disk.paths.first?.threshold == .percent(5))
        #expect(epu.roots == ["/frames"] && epu.stallMinutes == 20 && epu.endMinutes == 180)
        let removed = try db.write { db in (try QueueWatch.removeSource(db, name: "hpc2"), try QueueWatch.removeSource(db, name: "nope")) }
        #expect(removed == (true, false))
        #expect(try db.read { try QueueWatch.sources($0) }.map(\.name) == ["slurm"])
    }
}

@Suite struct QueueArrayJobTests {
    @Test func pendingArrayTasksAreOneStableLineThatLeavesQuietly() async throws {
        #expect(QueueJob.stableArrayID("4712_[3-10%2]") == "4712_[pending]")
        #expect(QueueJob.stableArrayID("4712_3") == "4712_3")
        let t0 = Date(timeIntervalSince1970: 1_709_280_000)
        let db = try queueDatabase()
        let q = ScriptedQueue()
        let w = QueueWatch(config: QueueSourceConfig(scheduler: .slurm, users: ["alice"], pendingNoticeMinutes: 60), backend: q)
        q.set(listed: [])
        _ = try await w.poll(db: db, now: t0)
        func placeholder() -> QueueJob {
            QueueJob(id: "4712_[pending]", name: "ctffind", user: "alice", partition: "cpu", state: .pending, reason: "Resources", submitTime: t0)
        }
        func task(_ n: Int) -> QueueJob {
            QueueJob(id: "4712_\(n)", name: "ctffind", user: "alice", partition: "cpu", state: .running, submitTime: t0, startTime: t0.addingTimeInterval(4000), nodes: "c1")
        }
        q.set(listed: [placeholder()])
        var n = try await w.poll(db: db, now: t0.addingTimeInterval(3700))
        #expect(n.notices.map(\.title) == ["Slurm job 4712_[pending] (ctffind): PENDING for 01:01:40 in partition cpu (reason: Resources)"])
        // Tasks start one by one; the pending line stays the same job.
        q.set(listed: [placeholder(), task(1)])
        n = try await w.poll(db: db, now: t0.addingTimeInterval(4100))
        #expect(n.notices.map(\.key) == ["queue|slurm|4712_1@1709280000|started-1"])
        // The last task started: the line is gone, without a lookup, a problem or a "vanished".
        q.set(listed: [task(1), task(2)], failRecords: true)
        n = try await w.poll(db: db, now: t0.addingTimeInterval(4200))
        #expect(n.notices.map(\.key) == ["queue|slurm|4712_2@1709280000|started-1"] && n.problems.isEmpty)
        #expect(try await db.read { try w.activeJobIDs($0) }.sorted() == ["4712_1", "4712_2"])
    }
}
