import Foundation
import GRDB
import Testing
import TestSupport
@testable import Watcher

/// QueueWatch against a real Slurm (see SlurmTestCluster): jobs that succeed, fail, are cancelled pending and
/// running, time out, and one made to vanish; each transition must be reported exactly once, by both the
/// `squeue -O` and the `squeue --json` listing. Takes about two minutes (the TIMEOUT needs 60–90 s).
@Suite(.serialized) struct QueueSlurmTests {
    /// Both listings, each with its own database, polled at the same moments.
    struct Watchers {
        var pairs: [(QueueWatch, DatabaseQueue)]
        var seen: [String: [Notice]] = [:]

        /// Poll both; return the titles of the format listing, after checking the JSON listing said the same.
        mutating func poll(_ note: String) async throws -> [String] {
            var titles: [[String]] = []
            for (w, db) in pairs {
                let r = try await w.poll(db: db, now: Date())
                #expect(r.problems.isEmpty, "\(note): \(r.problems)")
                for n in r.notices {
                    #expect(!(seen[w.config.name] ?? []).contains { $0.key == n.key }, "\(note): \(n.key) reported twice")
                }
                seen[w.config.name, default: []] += r.notices
                titles.append(r.notices.map(\.title).sorted())
            }
            #expect(titles[0].map(Self.withoutDurations) == titles[1].map(Self.withoutDurations), "\(note): format and JSON listings differ")
            return titles[0]
        }

        /// `…after 00:01:02…` → `…after T…`, so the two listings (polled a moment apart) compare equal.
        static func withoutDurations(_ s: String) -> String {
            s.replacingOccurrences(of: #"\d\d:\d\d:\d\d"#, with: "T", options: .regularExpression)
        }
    }

    @Test(.timeLimit(.minutes(5))) func everyTransitionOfARealSlurmIsReportedOnce() async throws {
        let cluster = try await SlurmTestCluster()
        let daemons = cluster.pids
        #expect(daemons.count == 3)
        defer {
            cluster.stop()
            #expect(daemons.allSatisfy { !SlurmTestCluster.isAlive($0) }, "daemons left running")
        }
        let project = cluster.dir + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)

        func watcher(_ listing: SlurmQueue.Listing) throws -> (QueueWatch, DatabaseQueue) {
            let config = QueueSourceConfig(name: "slurm-\(listing.rawValue)", scheduler: .slurm, environment: cluster.environment,
                                           pendingNoticeMinutes: 0, slurmListing: listing, slurmAccounting: .auto)
            return (QueueWatch(config: config), try queueDatabase())
        }
        var w = Watchers(pairs: [try watcher(.format), try watcher(.json)])
        #expect(try await w.poll("baseline").isEmpty)

        // 1. A RELION refinement that will hit its one-minute limit, and a held job (pending, JobHeldUser).
        let refine = try await cluster.sbatch(["-J", "Refine3D/job012/", "-D", project, "--time=00:01", "--wrap", "sleep 300"])
        let held = try await cluster.sbatch(["-J", "Class2D/job003/", "-D", project, "--hold", "--wrap", "sleep 1"])
        let array = try await cluster.sbatch(["-J", "arr", "--array=1-3", "--hold", "--wrap", "sleep 1"])
        try await cluster.waitFor("job \(refine) running", seconds: 30) { try await cluster.state(refine) == "RUNNING" }
        var titles = try await w.poll("refine running, class2d held")
        #expect(titles.count == 3)
        #expect(titles.contains { $0.hasPrefix("Class2D/job003: PENDING for ") && $0.hasSuffix(" in partition debug (reason: JobHeldUser)") })
        #expect(titles.contains { $0.hasPrefix("Slurm job \(array)_[pending] (arr): PENDING for ") })
        #expect(titles.contains { $0.hasPrefix("Refine3D/job012: RUNNING in partition debug on emnode") })
        #expect(try await w.poll("nothing new").isEmpty)

        // 2. One job that succeeds and one that fails with exit code 3, seen only after they ended.
        let ok = try await cluster.sbatch(["-J", "postprocess", "--wrap", "sleep 1"])
        let bad = try await cluster.sbatch(["-J", "motioncor", "--wrap", "exit 3"])
        try await cluster.waitFor("jobs \(ok), \(bad) ended", seconds: 60) {
            var ended = true
            for id in [ok, bad] {
                let s = try await cluster.state(id)
                if let s, !QueueJobState.slurm(s).isFinal { ended = false }
            }
            return ended
        }
        titles = try await w.poll("ok and failed")
        #expect(titles.count == 2)
        #expect(titles.contains { $0.hasPrefix("Slurm job \(ok) (postprocess): COMPLETED after 00:00:0") && $0.hasSuffix(" in partition debug") })
        #expect(titles.contains { $0.hasPrefix("Slurm job \(bad) (motioncor): FAILED (exit code 3) after 00:00:0") })
        #expect(try await w.poll("nothing new").isEmpty)

        // 3. Cancel the held job (never ran) and a running one.
        let running = try await cluster.sbatch(["-J", "extract", "--wrap", "sleep 300"])
        try await cluster.waitFor("job \(running) running", seconds: 30) { try await cluster.state(running) == "RUNNING" }
        try await cluster.client("scancel", [held, array])
        try await cluster.waitFor("job \(held) cancelled", seconds: 30) { try await cluster.state(held).map { $0 != "PENDING" } ?? true }
        try await cluster.waitFor("array \(array) cancelled", seconds: 30) {
            try await !(cluster.client("squeue", ["-h", "-t", "all", "-o", "%i %T"]).stdout.contains("PENDING"))
        }
        titles = try await w.poll("held and array cancelled, extract running")
        // Slurm lists a cancelled pending array as one line or as one line per task.
        let arrayEnds = titles.filter { $0.hasPrefix("Slurm job \(array)_") }
        #expect(!arrayEnds.isEmpty && arrayEnds.allSatisfy { $0.hasSuffix(" (arr): CANCELLED while pending in partition debug") }, "\(arrayEnds)")
        titles.removeAll { $0.hasPrefix("Slurm job \(array)_") }
        #expect(titles.count == 2)
        #expect(titles.contains("Class2D/job003: CANCELLED while pending in partition debug"))
        #expect(titles.contains { $0.hasPrefix("Slurm job \(running) (extract): RUNNING in partition debug on emnode") })
        try await cluster.client("scancel", [running])
        try await cluster.waitFor("job \(running) cancelled", seconds: 30) { try await cluster.state(running).map { $0 == "CANCELLED" } ?? true }
        titles = try await w.poll("extract cancelled")
        #expect(titles.count == 1)
        #expect(titles.first?.hasPrefix("Slurm job \(running) (extract): CANCELLED after 00:00:") == true)

        // 4. A job that vanishes: it runs, ends, its completion record is lost and slurmctld forgets it.
        let ghost = try await cluster.sbatch(["-J", "ghost", "--wrap", "sleep 5"])
        try await cluster.waitFor("job \(ghost) running", seconds: 30) { try await cluster.state(ghost) == "RUNNING" }
        titles = try await w.poll("ghost running")
        #expect(titles.count == 1 && titles.first?.hasPrefix("Slurm job \(ghost) (ghost): RUNNING") == true)
        try await cluster.waitFor("job \(ghost) recorded", seconds: 30) {
            ((try? String(contentsOfFile: cluster.jobCompletionFile, encoding: .utf8)) ?? "").contains("JobId=\(ghost) ")
        }
        try cluster.forgetCompletion(of: ghost)
        try await cluster.waitFor("job \(ghost) purged and \(refine) timed out", seconds: 150) {
            let ghostState = try await cluster.state(ghost), refineState = try await cluster.state(refine)
            return ghostState == nil && (refineState.map { QueueJobState.slurm($0).isFinal } ?? true)
        }
        titles = try await w.poll("timeout and vanished")
        #expect(titles.count == 2)
        #expect(titles.contains("Slurm job \(ghost) (ghost): VANISHED from the queue (last seen RUNNING), no completion record"))
        #expect(titles.contains { $0.hasPrefix("Refine3D/job012: TIMEOUT after 00:01:") && $0.hasSuffix(" in partition debug") })
        #expect(try await w.poll("nothing new at the end").isEmpty)

        // Exactly the expected events, once each, for both listings.
        for (name, notices) in w.seen {
            #expect(notices.count == 11 + arrayEnds.count, "\(name): \(notices.map(\.key))")
            #expect(Set(notices.map(\.key)).count == notices.count)
            let refineNotices = notices.filter { $0.key.contains("|\(refine)@") }
            #expect(refineNotices.allSatisfy { QueueLink(notice: $0) == QueueLink(jobPath: "Refine3D/job012/", projectDirectory: project) })
        }

        // sacct -c remembers every job but the ghost.
        let records = try await SlurmQueue(command: SchedulerCommand(environment: cluster.environment), accounting: .jobcomp)
            .finishedJobs(ids: [refine, held, ok, bad, running, ghost])
        #expect(Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.state) })
                == [refine: .timeout, held: .cancelled, ok: .completed, bad: .failed, running: .cancelled])
        // Plain sacct has no slurmdbd here: one clear line.
        await #expect(throws: QueueError.self) {
            try await SlurmQueue(command: SchedulerCommand(environment: cluster.environment), accounting: .sacct).finishedJobs(ids: [ok])
        }
    }
}
