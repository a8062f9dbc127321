import Foundation
import Testing
import TestSupport

/// Exactly once, never stuck: Slack down, rate limits, hangs, a process killed at each step of a run,
/// runs started together, stale locks, broken databases.
@Suite(.serialized) struct FaultTests {
    static let jobs = (1 ... 4).map { RelionProjectFixture.Job(name: "Class3D/job\(String(format: "%03d", $0))/", alias: nil, code31: 9, label: "relion.class3d") }

    func makeProject(_ slack: SlackStandIn, layout: RelionProjectFixture.Layout = .relion40) throws -> RelionProjectFixture {
        let f = try RelionProjectFixture(layout: layout)
        for j in Self.jobs { try f.addJob(j, status: 1) }
        try f.setUp(slack: slack)
        let b = try f.emwatch(["run", "--baseline"], slack: slack)
        guard b.status == 0 else { throw TestFailure("baseline failed: \(b.stderr)") }
        return f
    }

    func titles(_ slack: SlackStandIn) -> [String] {
        slack.postedMessages().map { $0.text.components(separatedBy: " (at ")[0] }
    }

    @Test func slackDownForThreeRunsThenBackDeliversEachMessageOnceInOrder() throws {
        let slack = try SlackStandIn()
        let f = try makeProject(slack)
        defer { slack.stop(); f.remove() }
        let faults: [[[String: Any]]] = [
            [["status": 500]],                                 // Slack failing
            [["status": 429, "retry_after": 120]],             // rate limited for longer than a run waits
            [["malformed": true]],                             // a proxy answering HTML
        ]
        var expectedErrors = ["HTTP 500", "rate limited, retry after 120 s", "answer is not Slack JSON"]
        for (i, rules) in faults.enumerated() {
            try slack.setFaults(rules)
            try f.start(Self.jobs[i].name)
            let r = try f.emwatch(["run"], slack: slack)
            #expect(r.status == 1)
            #expect(r.stderr.contains(expectedErrors.removeFirst()), "\(r.stderr)")
            #expect(slack.postedMessages().isEmpty)
        }
        // A hang: the request times out and the run ends anyway.
        try slack.setFaults([["hang": 30]])
        try f.start(Self.jobs[3].name)
        let hung = try f.emwatch(["run", "--timeout", "2"], slack: slack)
        #expect(hung.status == 1)
        #expect(hung.stderr.contains("no answer within 2 s"))
        let status = try f.emwatch(["status"])
        #expect(status.stdout.contains("waiting: 4"))
        #expect(status.stdout.contains("problem: Slack conversations.open: no answer within 2 s"))

        try slack.setFaults([])
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(titles(slack) == Self.jobs.map { "apof: \($0.name.dropLast()) Scheduled → Running" })
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(slack.postedMessages().count == 4)
        // The original time is in the text of a late message.
        let first = try #require(slack.postedMessages().first?.text)
        #expect(first.contains("(at 20") && first.contains(" UTC)"))
    }

    @Test func aShortRetryAfterIsHonouredWithinTheRun() throws {
        let slack = try SlackStandIn()
        let f = try makeProject(slack)
        defer { slack.stop(); f.remove() }
        try slack.setFaults([["method": "chat.postMessage", "status": 429, "retry_after": 2, "times": 1]])
        try f.start(Self.jobs[0].name)
        let r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        let posts = slack.requests().filter { $0["method"] as? String == "chat.postMessage" }
        #expect(posts.count == 2)
        let t0 = posts[0]["time"] as? Double ?? 0, t1 = posts[1]["time"] as? Double ?? 0
        #expect(t1 - t0 >= 2)
        #expect(slack.postedMessages().count == 1)
    }

    /// Kill the process (SIGKILL) at each step of a run that sends a message with an attachment; the next
    /// run completes it: one message, one picture in its thread, nothing twice.
    @Test(arguments: ["polled", "committed", "marked-sending", "posted", "marked-posted", "reserved-upload", "sent-bytes",
                      "completed-upload", "marked-sent"])
    func aRunKilledAtAnyStepLosesAndDuplicatesNothing(step: String) throws {
        let slack = try SlackStandIn()
        let f = try makeProject(slack)
        defer { slack.stop(); f.remove() }
        let picture = f.root + "/picture.png"
        try Data((0 ..< 3000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: picture))
        let env = ["EMWATCH_TEST_ATTACH": picture]
        try f.start(Self.jobs[0].name)
        try f.write(Self.jobs[0].name, "RELION_JOB_EXIT_SUCCESS")
        let killed = try f.emwatch(["run"], slack: slack, env: env.merging(["EMWATCH_CRASH_AT": step]) { $1 })
        #expect(killed.status == SIGKILL, "run was not killed at \(step): \(killed.stderr)")
        let next = try f.emwatch(["run"], slack: slack, env: env)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try f.emwatch(["run"], slack: slack, env: env).status == 0)
        let posted = slack.postedMessages()
        #expect(posted.count == 1, "\(posted.map(\.text))")
        #expect(posted.first?.text.hasPrefix("apof: Class3D/job001 Scheduled → Finished") == true)
        let uploads = slack.completedUploads()
        #expect(uploads.count == 1)
        let ts = (slack.requests().first { $0["method"] as? String == "chat.postMessage" && ($0["result"] as? [String: Any])?["ok"] as? Bool == true }?["result"] as? [String: Any])?["ts"] as? String
        #expect(uploads.first?.thread == ts)
        #expect(uploads.first?.title == "test attachment")
        let bytes = slack.requests().filter { $0["method"] as? String == "upload" && $0["error"] == nil }.compactMap { $0["bytes"] as? Int }
        #expect(bytes.allSatisfy { $0 == 3000 })
        #expect(try f.emwatch(["status"]).stdout.contains("messages sent: 1; waiting: 0"))
        // Where Slack may already have the message or the file, the next run looked before sending again.
        let methods = slack.requests().map { $0["method"] as? String ?? "" }
        if ["marked-sending", "posted"].contains(step) { #expect(methods.contains("conversations.history")) }
        if ["reserved-upload", "sent-bytes", "completed-upload"].contains(step) { #expect(methods.contains("conversations.replies")) }
        if step == "posted" { #expect(slack.requests().filter { $0["method"] as? String == "chat.postMessage" }.count == 1) }
    }

    @Test func twoRunsStartedTogetherSendOnce() throws {
        let slack = try SlackStandIn()
        let f = try makeProject(slack)
        defer { slack.stop(); f.remove() }
        try slack.setFaults([["method": "chat.postMessage", "delay": 2]])
        try f.start(Self.jobs[0].name)
        try f.start(Self.jobs[1].name)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var list: [TestEnv.ProcessResult] = []
            func add(_ r: TestEnv.ProcessResult?) { lock.lock(); if let r { list.append(r) }; lock.unlock() }
        }
        let results = Results()
        let group = DispatchGroup()
        // Two threads of their own, not Dispatch's pool: with the rest of the suite running, a pool worker
        // could start the second run only after the first had finished (seen once in CI).
        for _ in 0 ..< 2 {
            group.enter()
            Thread.detachNewThread { results.add(try? f.emwatch(["run"], slack: slack)); group.leave() }
        }
        group.wait()
        let rs = results.list
        #expect(rs.count == 2)
        #expect(rs.filter { $0.stderr.contains("another run is working") }.count == 1)
        #expect(rs.allSatisfy { $0.status == 0 })
        #expect(slack.postedMessages().count == 2)
        #expect(Set(slack.postedMessages().compactMap(\.key)).count == 2)
    }

    @Test func aLockLeftByADeadRunIsTakenOver() throws {
        let slack = try SlackStandIn()
        let f = try makeProject(slack)
        defer { slack.stop(); f.remove() }
        let dead = try TestEnv.run("/bin/sh", ["-c", "echo $$"])
        let pid = Int32(dead.stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
        try "pid=\(pid)\nstarted=\(Int(Date().timeIntervalSince1970) - 30)\nhost=elsewhere\n".write(toFile: f.db + ".lock", atomically: true, encoding: .utf8)
        try f.start(Self.jobs[0].name)
        let r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(slack.postedMessages().count == 1)
        #expect(try f.emwatch(["unlock"]).stdout.contains("the run lock is free"))
    }

    /// A live holder: left alone while young; stopped and taken over once older than the stale limit.
    @Test func aStuckRunHoldingTheLockIsStoppedAfterTheLimit() throws {
        let slack = try SlackStandIn()
        let f = try makeProject(slack)
        defer { slack.stop(); f.remove() }
        let ready = f.root + "/holder.ready"
        let script = """
            import fcntl, os, signal, sys, time
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.write(fd, ("pid=%d\\nstarted=%d\\nhost=test\\n" % (os.getpid(), int(sys.argv[3]))).encode())
            open(sys.argv[2], "w").close()
            time.sleep(120)
            """
        func holder(startedSecondsAgo: Int) throws -> Process {
            unlink(ready)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            p.arguments = ["-c", script, f.db + ".lock", ready, String(Int(Date().timeIntervalSince1970) - startedSecondsAgo)]
            try p.run()
            for _ in 0 ..< 200 where !FileManager.default.fileExists(atPath: ready) { usleep(25_000) }
            return p
        }
        #expect(try f.emwatch(["config", "--stale-lock", "600"]).status == 0)
        try f.start(Self.jobs[0].name)

        let young = try holder(startedSecondsAgo: 10)
        let busy = try f.emwatch(["run"], slack: slack)
        #expect(busy.status == 0)
        #expect(busy.stderr.contains("another run is working (pid \(young.processIdentifier)"))
        #expect(young.isRunning)
        #expect(try f.emwatch(["unlock"]).stdout.contains("held by a live run: pid \(young.processIdentifier)"))
        #expect(try f.emwatch(["status"]).stdout.contains("run lock: held by pid \(young.processIdentifier)"))
        #expect(slack.postedMessages().isEmpty)
        kill(young.processIdentifier, SIGKILL)
        young.waitUntilExit()

        let old = try holder(startedSecondsAgo: 7200)
        let r = try f.emwatch(["run"], slack: slack)
        old.waitUntilExit()
        #expect(r.stderr.contains("took over the run lock from a stuck run (pid \(old.processIdentifier)"))
        #expect(slack.postedMessages().count == 1)

        let third = try holder(startedSecondsAgo: 5)
        let stop = try f.emwatch(["unlock", "--stop"])
        third.waitUntilExit()
        #expect(stop.stdout.contains("stopped pid \(third.processIdentifier)"))
    }

    @Test func aCorruptDatabaseIsAClearError() throws {
        let f = try RelionProjectFixture(layout: .relion31)
        defer { f.remove() }
        try FileManager.default.createDirectory(atPath: (f.db as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data((0 ..< 8192).map { UInt8(($0 * 7 + 3) % 256) }).write(to: URL(fileURLWithPath: f.db))
        for cmd in [["run"], ["status"], ["project", "list"]] {
            let r = try f.emwatch(cmd)
            #expect(r.status == 1)
            #expect(r.stderr == "emwatch: state database \(f.db): is not a SQLite database or is damaged (file is not a database); move it away and run `emwatch init` again\n")
        }
        // A database whose first page is fine but whose tables are cut off.
        unlink(f.db)
        #expect(try f.emwatch(["project", "add", f.project]).status == 0)
        let size = (try FileManager.default.attributesOfItem(atPath: f.db)[.size] as? Int) ?? 0
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: f.db))
        try h.truncate(atOffset: UInt64(min(size, 1024)))
        try h.close()
        unlink(f.db + "-wal"); unlink(f.db + "-shm")
        let cut = try f.emwatch(["status"])
        #expect(cut.status == 1)
        #expect(cut.stderr.hasPrefix("emwatch: state database \(f.db): "))
        #expect(cut.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func anUnwritableDatabaseIsAClearError() throws {
        let f = try RelionProjectFixture(layout: .relion31)
        defer { f.remove() }
        let mnt = f.root + "/ro"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        let db = mnt + "/watcher.sqlite"
        if getuid() == 0 {
            // As root, permissions do not stop writes: use a file system mounted read-only.
            #expect(try TestEnv.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt]).status == 0)
        }
        defer { if getuid() == 0 { _ = try? TestEnv.run("/bin/umount", [mnt]) } }
        #expect(try TestEnv.run(TestEnv.product("emwatch"), ["project", "add", f.project, "--db", db]).status == 0)
        if getuid() == 0 {
            #expect(try TestEnv.run("/bin/mount", ["-o", "remount,ro", mnt]).status == 0)
        } else {
            chmod(db, 0o400); chmod(mnt, 0o500)
        }
        defer { chmod(mnt, 0o700) }
        let r = try TestEnv.run(TestEnv.product("emwatch"), ["run", "--db", db])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("emwatch: state database \(db): "))
        #expect(r.stderr.contains("read-only") || r.stderr.contains("cannot be"))
        #expect(r.stderr.filter { $0 == "\n" }.count == 1)
        let nowhere = try TestEnv.run(TestEnv.product("emwatch"), ["status", "--db", "/proc/none/watcher.sqlite"])
        #expect(nowhere.status == 1)
        #expect(nowhere.stderr.contains("cannot create its folder /proc/none"))
    }
}
