import Foundation
import GRDB
import Testing
import TestSupport
@testable import Watcher

/// The queue, disk and EPU sources wired into `emwatch run`: the built binary, the Slack stand-in, real
/// files (an EPU session tree grown between runs, a tmpfs filled and emptied), and a scheduler that is not
/// installed here (SGE's `qstat`).
@Suite(.serialized) struct WireTests {
    static let refine = RelionProjectFixture.Job(name: "Refine3D/job012/", alias: nil, code31: 10, label: "relion.refine3d")

    func texts(_ slack: SlackStandIn) -> [String] {
        slack.postedMessages().map { $0.text.components(separatedBy: " (at ")[0] }
    }

    /// Set the modification time of every file under `dir` to `minutes` ago.
    func age(_ dir: String, minutes: Double) throws {
        let past = Date().addingTimeInterval(-minutes * 60)
        for p in FileManager.default.subpaths(atPath: dir) ?? [] {
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: dir + "/" + p)
        }
    }

    @Test func epuSessionStartStallAndEndArriveOnceEach() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        try f.addJob(Self.refine, status: 1)
        try f.setUp(slack: slack)
        let frames = f.root + "/frames"
        try FileManager.default.createDirectory(atPath: frames, withIntermediateDirectories: true)
        let add = try f.emwatch(["epu", "add", frames, "--stall-minutes", "30", "--end-minutes", "180"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try f.emwatch(["epu", "list"]).stdout.contains(frames + "\tstall 30 min\tend 180 min"))
        #expect(try f.emwatch(["run", "--baseline"], slack: slack).status == 0)

        // A session appears, two folders deep, with movies of three kinds and files that are not movies.
        let data = frames + "/2026_12_01_alice/Images-Disc1/GridSquare_1/Data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Data(count: 1000).write(to: URL(fileURLWithPath: data + "/FoilHole_1_Data_1_fractions.tiff"))
        try Data(count: 2000).write(to: URL(fileURLWithPath: data + "/FoilHole_1_Data_2.EER"))
        try Data(count: 50).write(to: URL(fileURLWithPath: data + "/FoilHole_1_Data_1.xml"))
        try Data(count: 50).write(to: URL(fileURLWithPath: data + "/FoilHole_1_Data_1.jpg"))
        var r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(texts(slack) == ["EPU session 2026_12_01_alice started: 2 movies (3.0 kB) so far"])

        // More movies in a second grid square: still the same session, nothing to say.
        let data2 = frames + "/2026_12_01_alice/Images-Disc1/GridSquare_2/Data"
        try FileManager.default.createDirectory(atPath: data2, withIntermediateDirectories: true)
        try Data(count: 3000).write(to: URL(fileURLWithPath: data2 + "/FoilHole_9_Data_1_Fractions.mrc"))
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(texts(slack).count == 1)

        // No new movie for 40 minutes: stalled, once.
        try age(frames, minutes: 40)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(texts(slack).count == 2)
        #expect(texts(slack)[1].hasPrefix("EPU session 2026_12_01_alice stalled: no new movie for 40 min (3 movies, last at "))

        // 200 minutes: ended, with the summary, once; an ended session is not scanned again.
        try age(frames, minutes: 200)
        r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(texts(slack).count == 3)
        #expect(texts(slack).last?.hasPrefix("EPU session 2026_12_01_alice ended: 3 movies, 6.0 kB") == true)
        let status = try f.emwatch(["status"])
        #expect(status.stdout.contains("EPU frames roots followed: 1"))
        #expect(status.stdout.contains("\(frames)  sessions: 1 ended"))

        #expect(try f.emwatch(["epu", "remove", frames]).status == 0)
        #expect(try f.emwatch(["epu", "list"]).stdout.contains("no frames roots followed"))
        let again = try f.emwatch(["epu", "remove", frames])
        #expect(again.status == 1 && again.stderr == "emwatch: \(frames) is not followed; see `emwatch epu list`\n")
    }

    @Test func diskCrossingOneAlertWithPlotInThreadThenOneRecovery() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        try f.setUp(slack: slack)
        let mount = f.root + "/scratch"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let m = try TestEnv.run("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mount])
        try #require(m.status == 0, "mount tmpfs (needs root): \(m.stderr)")
        defer { _ = try? TestEnv.run("/bin/umount", [mount]) }

        let add = try f.emwatch(["disk", "add", mount, "--min-free", "3M", "--label", "scratch"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "following free space on \(mount): warn under 3.0 MB (now 8.4 MB free of 8.4 MB)\n")
        let list = try f.emwatch(["disk", "list"])
        #expect(list.stdout.contains("\(mount)\tadded\tmin free 3.0 MB\tscratch"))
        #expect(list.stdout.contains("\(f.project)\tproject\tmin free 5 %"))
        #expect(try f.emwatch(["run", "--baseline"], slack: slack).status == 0)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(texts(slack).isEmpty)

        try Data(count: 6 << 20).write(to: URL(fileURLWithPath: mount + "/movie.tiff"))
        var r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(texts(slack) == ["Disk scratch: only 2.1 MB free (25.0 %), below 3.0 MB"])
        let uploads = slack.completedUploads()
        #expect(uploads.count == 1)
        #expect(uploads.first?.thread != nil)
        #expect(uploads.first?.title.lowercased().contains("free") == true, "\(uploads)")
        #expect(try f.emwatch(["status"]).stdout.contains("scratch  min free 3.0 MB  2.1 MB free of 8.4 MB  LOW"))

        try FileManager.default.removeItem(atPath: mount + "/movie.tiff")
        r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(texts(slack) == ["Disk scratch: only 2.1 MB free (25.0 %), below 3.0 MB",
                                 "Disk scratch: free space back to 8.4 MB (100.0 %), above 3.0 MB"])
        #expect(slack.completedUploads().count == 1)

        #expect(try f.emwatch(["disk", "projects", "--min-free", "off"]).status == 0)
        #expect(try f.emwatch(["disk", "list"]).stdout.contains("project folders: not checked"))
        let bad = try f.emwatch(["disk", "add", mount, "--min-free", "lots"])
        #expect(bad.status == 1 && bad.stderr.hasPrefix("emwatch: ") && bad.stderr.contains("lots"), "\(bad.stderr)")
        let missing = try f.emwatch(["disk", "add", f.root + "/nowhere", "--min-free", "1G"])
        #expect(missing.status == 1 && missing.stderr == "emwatch: \(f.root)/nowhere: no such file or folder\n", "\(missing.stderr)")
        let notFolder = try f.emwatch(["epu", "add", mount + "/nothing"])
        #expect(notFolder.status == 1 && notFolder.stderr == "emwatch: \(mount)/nothing: no such folder\n", "\(notFolder.stderr)")
        #expect(try f.emwatch(["disk", "remove", mount]).status == 0)
        #expect(try f.emwatch(["disk", "list"]).stdout == "project folders: not checked\n")
    }

    @Test func missingSchedulerCommandIsOneLineAndRelionStillArrives() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        try f.addJob(Self.refine, status: 1)
        try f.setUp(slack: slack)
        #expect(try f.emwatch(["run", "--baseline"], slack: slack).status == 0)
        try #require(!FileManager.default.fileExists(atPath: "/usr/bin/qstat"), "this test needs a machine without SGE")
        let add = try f.emwatch(["queue", "add", "sge", "--user", "alice", "--partition", "all.q"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "following queue sge: sge, users alice, partitions all.q, timeout 60 s, pending message after 60 min\n")
        #expect(try f.emwatch(["queue", "list"]).stdout == "sge\tsge, users alice, partitions all.q, timeout 60 s, pending message after 60 min\n")

        try f.start(Self.refine.name)
        let r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("emwatch: sge: ") == true && lines.first?.contains("qstat") == true, "\(r.stderr)")
        #expect(texts(slack) == ["apof: Refine3D/job012 Scheduled → Running"])
        let again = try f.emwatch(["run"], slack: slack)
        #expect(again.status == 1 && again.stderr.split(separator: "\n").count == 1)
        #expect(texts(slack).count == 1)
        let status = try f.emwatch(["status"]).stdout
        #expect(status.contains("queues followed: 1"))
        #expect(status.contains("  sge  sge  no successful look yet"), "\(status)")
        #expect(status.contains("  problem: sge: qstat: command not found"), "\(status)")

        // `run --project` limits the run to those RELION projects: the queue is not asked.
        let limited = try f.emwatch(["run", "--project", "apof"], slack: slack)
        #expect(limited.status == 0 && limited.stderr.isEmpty, "\(limited.stderr)")
        #expect(try f.emwatch(["queue", "remove", "sge"]).status == 0)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        let gone = try f.emwatch(["queue", "remove", "sge"])
        #expect(gone.status == 1 && gone.stderr == "emwatch: no queue named sge; see `emwatch queue list`\n")
        #expect(try f.emwatch(["queue", "add", "slurm", "--env", "SLURM_CONF"]).status == 64)
        #expect(try f.emwatch(["queue", "list"]).stdout == "no queues followed; add one with `emwatch queue add slurm`\n")
        let usage = try f.emwatch(["queue", "add", "condor"])
        #expect(usage.status == 64)
    }

    /// A queue job named after a RELION job ends in the same run as RELION's job: one outbox message, the
    /// RELION one, with the queue line first and the queue fields (the scheduler is scripted; the real Slurm
    /// is exercised in QueueSlurmTests).
    @Test func queueEndingIsMergedIntoTheSameRunsRelionMessage() throws {
        let f = try RelionProjectFixture(layout: .relion31)
        defer { f.remove() }
        try f.addJob(Self.refine, status: 1)
        try FileManager.default.createDirectory(atPath: f.root + "/state", withIntermediateDirectories: true)
        let store = try StateStore(path: f.db)
        let (project, _) = try Projects.add(store, path: f.project, name: "apof")
        let scripted = ScriptedQueue(.slurm)
        let queue = QueueWatch(config: QueueSourceConfig(scheduler: .slurm), backend: scripted)
        let submit = Date(timeIntervalSince1970: 1_780_000_000)
        func job(_ state: QueueJobState, end: Date? = nil) -> QueueJob {
            QueueJob(id: "4711", name: "Refine3D/job012/", user: "alice", partition: "gpu", state: state,
                     submitTime: submit, startTime: submit.addingTimeInterval(60), endTime: end,
                     timeLimit: 48 * 3600, elapsed: end.map { $0.timeIntervalSince(submit.addingTimeInterval(60)) }, workDir: f.project)
        }
        func sources() throws -> [any NewsSource] {
            [RelionProjectSource(project: project, config: try store.read(WatcherConfig.load)), QueueNewsSource(watch: queue)]
        }
        try f.start(Self.refine.name)
        scripted.set(listed: [job(.running)])
        var options = WatcherRun.Options()
        options.mode = .baseline
        _ = try WatcherRun(store: store, options: options).execute(sources: try sources())

        try f.write(Self.refine.name, "RELION_JOB_EXIT_FAILURE")
        scripted.set(listed: [job(.timeout, end: submit.addingTimeInterval(60 + 48 * 3600))])
        options.mode = .normal
        let summary = try WatcherRun(store: store, options: options).execute(sources: try sources())
        #expect(summary.detected.count == 1)
        let rows = try store.read { try Outbox.undelivered($0) }
        #expect(rows.count == 1)
        let n = try Outbox.notice(of: try #require(rows.first))
        #expect(n.source == .relion && n.title == "apof: Refine3D/job012 Running → Failed")
        #expect(n.lines.first == "Refine3D/job012: TIMEOUT after 48:00:00 in partition gpu")
        #expect(n.fields.contains(NoticeField(QueueLink.jobField, "Refine3D/job012/")))
        #expect(n.fields.contains { $0.name == "Project" && $0.value == "apof" })
    }
}
