import Foundation
import Testing
@testable import Watcher

/// Recorded scheduler outputs (Tests/WatcherTests/Fixtures/Queue, see its README).
enum QueueFixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Queue").path
    static func data(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
    static func text(_ name: String) throws -> String { String(decoding: try data(name), as: UTF8.self) }
    /// `2026-12-01T19:57:19` in the local time zone, as Slurm prints it.
    static func local(_ iso: String) -> Date { SchedulerTime.isoLocal(iso)! }
}

@Suite struct QueueParsingTests {
    @Test func slurmStateWordsLongAndCompact() {
        #expect(QueueJobState.slurm("PENDING") == .pending)
        #expect(QueueJobState.slurm("PD") == .pending)
        #expect(QueueJobState.slurm("CANCELLED by 1000") == .cancelled)
        #expect(QueueJobState.slurm("OUT_OF_MEMORY") == .outOfMemory)
        #expect(QueueJobState.slurm("OOM") == .outOfMemory)
        #expect(QueueJobState.slurm("TO") == .timeout)
        #expect(QueueJobState.slurm("NODE_FAIL") == .nodeFail)
        #expect(QueueJobState.slurm("PREEMPTED") == .preempted)
        #expect(QueueJobState.slurm("SUSPENDED") == .suspended)
        #expect(QueueJobState.slurm("CG") == .completing)
        #expect(QueueJobState.slurm("Q") == .unknown)  // PBS's letter is not Slurm's
        #expect(QueueJobState.timeout.isFinal && !QueueJobState.completing.isFinal)
    }

    @Test func durationsAsSchedulersPrintThem() {
        #expect(QueueDuration.parse("2-00:00:00") == 172_800)
        #expect(QueueDuration.parse("48:00:00") == 172_800)
        #expect(QueueDuration.parse("1:00") == 60)
        #expect(QueueDuration.parse("0:03", bareMinutes: false) == 3)
        #expect(QueueDuration.parse("10") == 600)
        #expect(QueueDuration.parse("1-02") == 93_600)
        #expect(QueueDuration.parse("UNLIMITED") == nil)
        #expect(QueueDuration.parse("garbage") == nil)
        #expect(QueueDuration.format(172_800) == "48:00:00")
        #expect(QueueDuration.format(61) == "00:01:01")
    }

    @Test func squeueFormatRecordedFromSlurm2205() throws {
        let jobs = try SlurmQueue.parseSqueue(try QueueFixture.text("slurm-squeue-format.txt"))
        #expect(jobs.count == 5)
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        let refine = try #require(byID["8"])
        #expect(refine.name == "Refine3D/job012/")
        #expect(refine.state == .running)
        #expect(refine.timeLimit == 172_800)
        #expect(refine.elapsed == 2)
        #expect(refine.workDir == "/tmp/slurmtry/proj")
        #expect(refine.nodes == "emnode")
        #expect(refine.startTime == QueueFixture.local("2026-12-01T19:57:19"))
        #expect(refine.endTime == nil)  // a running job's EndTime is only the expected end
        let held = try #require(byID["9"])
        #expect(held.state == .pending && held.reason == "JobHeldUser" && held.startTime == nil && held.nodes == nil)
        #expect(byID["11"]?.reason == "Resources" && byID["11"]?.timeLimit == 600)
        #expect(byID["12"]?.reason == "Priority")
        #expect(byID["10"]?.state == .failed && byID["10"]?.reason == "NonZeroExitCode")
    }

    @Test func squeueFormatWithWrongFieldCountIsOneLine() {
        #expect(throws: QueueError.unreadableOutput(command: "squeue", problem: "expected 13 fields, got 1 in \"hello\"")) {
            try SlurmQueue.parseSqueue("hello\n")
        }
    }

    @Test func sacctJobCompletionFileRecordedFromSlurm2205() throws {
        let jobs = try SlurmQueue.parseSacct(try QueueFixture.text("slurm-sacct-c.txt"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 8)
        #expect(byID["2"]?.state == .failed && byID["2"]?.exitCode == 3 && byID["2"]?.user == "root")
        #expect(byID["5"]?.state == .timeout && byID["5"]?.timeLimit == 60 && byID["5"]?.elapsed == 61)
        #expect(byID["3"]?.state == .cancelled && byID["3"]?.elapsed == 19)
        #expect(byID["6"]?.state == .cancelled && byID["6"]?.nodes == nil)
        #expect(byID["1"]?.state == .completed && byID["1"]?.exitCode == 0 && byID["1"]?.workDir == "/tmp/slurmtry/proj")
        #expect(byID["7"]?.name.count == 70)  // long names are not cut
    }

    @Test func squeueJSONOldShapeRecordedFromSlurm2205() throws {
        let jobs = try SlurmJSON.parse(try QueueFixture.data("slurm-squeue-22.05.json"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 5)
        #expect(byID["8"]?.state == .running && byID["8"]?.timeLimit == 172_800 && byID["8"]?.endTime == nil)
        #expect(byID["8"]?.workDir == "/tmp/slurmtry/proj" && byID["8"]?.name == "Refine3D/job012/")
        #expect(byID["10"]?.state == .failed && byID["10"]?.exitCode == 3 && byID["10"]?.signal == nil)
        #expect(byID["9"]?.state == .pending && byID["9"]?.reason == "JobHeldUser")
        #expect(byID["12"]?.timeLimit == nil)
    }

    @Test func squeueJSONNewShapeOf2311() throws {
        let jobs = try SlurmJSON.parse(try QueueFixture.data("slurm-squeue-23.11.json"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 4)
        let t = try #require(byID["4711"])
        #expect(t.state == .timeout && t.timeLimit == 172_800 && t.signal == 15 && t.partition == "gpu")
        #expect(t.runTime(now: Date()) == 172_800)
        #expect(t.submitTime == Date(timeIntervalSince1970: 1_709_280_000))
        let array = try #require(byID["4712_3"])
        #expect(array.state == .pending && array.reason == "Priority" && array.timeLimit == nil && array.startTime == nil)
        #expect(byID["4716"]?.state == .outOfMemory && byID["4716"]?.exitCode == 1)
        #expect(byID["4720"]?.state == .completing)
    }

    @Test func squeueJSONThatIsNotJSON() {
        #expect(throws: QueueError.self) { try SlurmJSON.parse(Data("squeue: error: Invalid user".utf8)) }
        #expect(throws: QueueError.unreadableOutput(command: "squeue --json", problem: "no \"jobs\" list")) {
            try SlurmJSON.parse(Data("{\"meta\":{}}".utf8))
        }
    }

    @Test func sgeQstatXML() throws {
        let jobs = try SGEQueue.parseQstatXML(try QueueFixture.data("sge-qstat.xml"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 4)
        #expect(byID["812"]?.state == .running && byID["812"]?.partition == "gpu.q" && byID["812"]?.nodes == "node07.cluster")
        #expect(byID["812"]?.startTime == QueueFixture.local("2024-03-01T10:00:05"))
        #expect(byID["813"]?.state == .pending && byID["813"]?.reason == "held")
        #expect(byID["814"]?.state == .pending && byID["814"]?.reason == "error state (Eqw)")
        #expect(byID["815.4"]?.state == .suspended)
        #expect(throws: QueueError.self) { try SGEQueue.parseQstatXML(Data("<job_info><job_list>".utf8)) }
    }

    @Test func sgeRecordedFromGridEngine819() throws {
        // Real `qstat -xml -u '*'` and `qacct -j` of Debian's gridengine 8.1.9 (see the fixtures' README).
        let jobs = try SGEQueue.parseQstatXML(try QueueFixture.data("sge-qstat-8.1.9.xml"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 4)
        #expect(byID["7"]?.state == .pending && byID["7"]?.name == "tmo")
        #expect(byID["4"]?.state == .running && byID["4"]?.partition == "all.q" && byID["4"]?.nodes == "vm")
        #expect(byID["4"]?.startTime == QueueFixture.local("2026-12-01T20:38:00"))
        #expect(byID["4"].flatMap { QueueLink(job: $0) }?.jobPath == "Refine3D/job012/")
        #expect(byID["6"]?.state == .pending && byID["6"]?.reason == "held")
        #expect(byID["8.[pending]"]?.state == .pending && byID["8.[pending]"]?.isArrayPlaceholder == true)
        let acct = SGEQueue.parseQacct(try QueueFixture.text("sge-qacct-8.1.9.txt"))
        #expect(acct.map(\.id) == ["4", "7"])
        #expect(acct[0].state == .completed && acct[0].exitCode == 0 && acct[0].elapsed == 20)
        #expect(acct[1].state == .timeout && acct[1].signal == 9 && acct[1].reason == "37  : qmaster enforced h_rt, h_cpu, or h_vmem limit")
        #expect(acct[1].submitTime == SchedulerTime.ctime("Tue Dec  1 20:37:46 2026"))
        let failed = try #require(SGEQueue.parseQacct(try QueueFixture.text("sge-qacct-failed-8.1.9.txt")).first)
        #expect(failed.state == .failed && failed.exitCode == 1 && failed.name == "autopick")
    }

    @Test func sgeQacct() throws {
        let t = try #require(SGEQueue.parseQacct(try QueueFixture.text("sge-qacct.txt")).first)
        #expect(t.id == "812" && t.state == .timeout && t.exitCode == 137 && t.signal == 9 && t.elapsed == 172_800)
        #expect(t.partition == "gpu.q" && t.name == "Refine3D_job012")
        let f = try #require(SGEQueue.parseQacct(try QueueFixture.text("sge-qacct-failed.txt")).first)
        #expect(f.state == .failed && f.exitCode == 2 && f.signal == nil)
        #expect(f.endTime!.timeIntervalSince(f.startTime!) > 300 && f.endTime!.timeIntervalSince(f.startTime!) < 301)
    }

    @Test func pbsQstatJSON() throws {
        let jobs = try PBSQueue.parse(try QueueFixture.data("pbs-qstat.json"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 3)
        let r = try #require(byID["1234.pbs01"])
        #expect(r.state == .running && r.user == "alice" && r.timeLimit == 172_800 && r.elapsed == 3605)
        #expect(r.workDir == "/data/alice/proj1" && r.nodes == "gpu07" && r.partition == "gpu")
        #expect(byID["1235.pbs01"]?.state == .pending)
        #expect(byID["1235.pbs01"]?.reason?.hasPrefix("Not Running: Insufficient amount of resource") == true)
        #expect(byID["1236.pbs01"]?.reason == "held" && byID["1236.pbs01"]?.user == "bob")
        #expect(try PBSQueue.parse(Data("{\"timestamp\":1,\"pbs_version\":\"2022.1.1\",\"pbs_server\":\"s\"}".utf8)).isEmpty)
    }

    @Test func pbsFinishedJobsWithExitStatusCodes() throws {
        let jobs = try PBSQueue.parse(try QueueFixture.data("pbs-qstat-x.json"))
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(byID["1234.pbs01"]?.state == .timeout && byID["1234.pbs01"]?.elapsed == 172_809)
        #expect(byID["1237.pbs01"]?.state == .failed && byID["1237.pbs01"]?.exitCode == 3)
        #expect(byID["1238.pbs01"]?.state == .cancelled && byID["1238.pbs01"]?.signal == 15)
    }

    @Test func lsfBjobsJSONAllStrings() throws {
        let now = ISO8601DateFormatter().date(from: "2024-03-02T12:00:00Z")!
        let jobs = try LSFQueue.parse(try QueueFixture.data("lsf-bjobs.json"), now: now)
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 5)
        let r = try #require(byID["98001"])
        #expect(r.state == .running && r.timeLimit == 172_800 && r.elapsed == 3605 && r.nodes == "gpu07")
        #expect(r.workDir == "/data/alice/proj1" && r.name == "Refine3D/job012/" && r.endTime == nil)
        #expect(Calendar.current.component(.year, from: r.submitTime!) == 2024)
        #expect(byID["98002"]?.state == .pending && byID["98002"]?.timeLimit == 14_400)
        #expect(byID["98002"]?.reason == "Job's requirements for reserving resources (rusage) not satisfied: 1 host")
        #expect(byID["98003"]?.state == .timeout && byID["98003"]?.exitCode == 140)
        #expect(byID["98003"]?.reason == "TERM_RUNLIMIT: job killed after reaching LSF run time limit")
        #expect(byID["98004"]?.state == .completed && byID["98004"]?.exitCode == 0)
        #expect(byID["98005"]?.state == .cancelled)
        #expect(try LSFQueue.parse(try QueueFixture.data("lsf-bjobs-notfound.json")).isEmpty)
    }

    @Test func relionLinkFromNameOrWorkingDirectory() {
        let byName = QueueLink(job: QueueJob(id: "1", name: "Refine3D/job012/", state: .running, workDir: "/data/p1"))
        #expect(byName == QueueLink(jobPath: "Refine3D/job012/", projectDirectory: "/data/p1"))
        let byDir = QueueLink(job: QueueJob(id: "1", name: "run", state: .running, workDir: "/data/p1/Class3D/job1234/"))
        #expect(byDir == QueueLink(jobPath: "Class3D/job1234/", projectDirectory: "/data/p1"))
        #expect(QueueLink(job: QueueJob(id: "1", name: "job012", state: .running)) == nil)
        #expect(QueueLink(job: QueueJob(id: "1", name: "Refine3D/jobs", state: .running, workDir: "/data/job012")) == nil)
        #expect(QueueLink(job: QueueJob(id: "1", name: "Refine3D/job012/run", state: .running)) == nil)
        #expect(QueueLink(job: QueueJob(id: "1", name: "Refine3D_job012", state: .running))?.jobPath == "Refine3D/job012/")
        #expect(QueueLink(job: QueueJob(id: "1", name: "my_job012", state: .running)) == nil)
    }
}
