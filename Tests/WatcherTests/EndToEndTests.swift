import Foundation
import Testing
import TestSupport

/// The built `emwatch` against project folders made here and the Slack stand-in: change job files → run →
/// exactly the expected messages arrive, in order; run again → nothing.
@Suite(.serialized) struct EndToEndTests {
    static let refine = RelionProjectFixture.Job(name: "Refine3D/job012/", alias: "final_map", code31: 10, label: "relion.refine3d.helical")
    static let class2d = RelionProjectFixture.Job(name: "Class2D/job1000/", alias: nil, code31: 8, label: "relion.class2d.em")
    static let mask = RelionProjectFixture.Job(name: "MaskCreate/job013/", alias: nil, code31: 12, label: "relion.maskcreate")

    func newMessages(_ slack: SlackStandIn, after count: inout Int) -> [String] {
        let all = slack.postedMessages()
        defer { count = all.count }
        return all.dropFirst(count).map(\.text)
    }

    @Test(arguments: [RelionProjectFixture.Layout.relion31, .relion40, .relion50])
    func jobChangesArriveOnceInOrder(layout: RelionProjectFixture.Layout) throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: layout, projectFolder: "Refine3D/job005/apoferritin")
        defer { slack.stop(); f.remove() }
        for j in [Self.refine, Self.class2d, Self.mask] { try f.addJob(j, status: 1) }
        try f.setUp(slack: slack)
        let baseline = try f.emwatch(["run", "--baseline"], slack: slack)
        #expect(baseline.status == 0, "\(baseline.stderr)")
        var seen = 0
        #expect(newMessages(slack, after: &seen).isEmpty)

        try f.start(Self.refine.name)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(newMessages(slack, after: &seen).map { $0.components(separatedBy: " (at ")[0] }
                == ["apof: Refine3D/job012 (final_map) Scheduled → Running"])

        try f.write(Self.refine.name, "RELION_JOB_EXIT_SUCCESS")
        usleep(20_000)
        try f.start(Self.class2d.name)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(newMessages(slack, after: &seen).map { $0.components(separatedBy: " (at ")[0] }
                == ["apof: Refine3D/job012 (final_map) Running → Finished", "apof: Class2D/job1000 Scheduled → Running"])

        try f.write(Self.class2d.name, "run.err", "in: src/ml_optimiser.cpp, line 1234\nERROR: \nout of memory <GPU 0>\n")
        try f.write(Self.class2d.name, "RELION_JOB_EXIT_FAILURE")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        let failed = newMessages(slack, after: &seen)
        #expect(failed.map { $0.components(separatedBy: " (at ")[0] } == ["apof: Class2D/job1000 Running → Failed"])

        try f.start(Self.mask.name)
        try f.write(Self.mask.name, "RELION_JOB_ABORT_NOW")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        f.delete(Self.mask.name, "RELION_JOB_ABORT_NOW")
        try f.write(Self.mask.name, "RELION_JOB_EXIT_ABORTED")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(newMessages(slack, after: &seen).map { $0.components(separatedBy: " (at ")[0] }
                == ["apof: MaskCreate/job013 Scheduled → Abort requested", "apof: MaskCreate/job013 Abort requested → Aborted"])

        // Nothing changed: nothing is sent, twice.
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(newMessages(slack, after: &seen).isEmpty)

        // The failure message carries the project, job, type, host, run time and the end of run.err (escaped).
        let req = slack.requests().filter { $0["method"] as? String == "chat.postMessage" }
        let failure = try #require(req.first { ($0["args"] as? [String: Any])?["text"] as? String ?? "" == failed.first })
        let blocks = String(decoding: try JSONSerialization.data(withJSONObject: (failure["args"] as! [String: Any])["blocks"]!, options: .withoutEscapingSlashes), as: UTF8.self)
        for piece in ["*Project*\\napof", "*Job*\\nClass2D/job1000", layout == .relion31 ? "relion.class2d" : "relion.class2d.em",
                      "*Host*\\n", "*Ran for*\\n", "out of memory &lt;GPU 0&gt;", "src/ml_optimiser.cpp", "Happened at"] {
            #expect(blocks.contains(piece), "\(piece) missing in \(blocks)")
        }
        // Every request was authenticated with the Bearer token, and the DM was opened once and cached.
        #expect(slack.requests().allSatisfy { $0["auth"] as? String == "ok" || $0["method"] as? String == "upload" })
        #expect(slack.requests().filter { $0["method"] as? String == "conversations.open" }.count == 1)
    }

    /// Real RELION 3.1.3 programs run as the GUI runs them (`--pipeline_control`, run.out/run.err): one
    /// succeeds, one fails; the failure's real error text reaches Slack.
    @Test func realRelionJobsAreReported() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        let ok = RelionProjectFixture.Job(name: "Select/job002/", alias: nil, code31: 7, label: "relion.select")
        let bad = RelionProjectFixture.Job(name: "Select/job003/", alias: "broken", code31: 7, label: "relion.select")
        try f.addJob(ok, status: 1)
        try f.addJob(bad, status: 1)
        try f.setUp(slack: slack)
        #expect(try f.emwatch(["run", "--baseline"], slack: slack).status == 0)
        try "data_\nloop_\n_rlnMicrographName\nmic1.mrc\nmic2.mrc\n".write(toFile: f.project + "/in.star", atomically: true, encoding: .utf8)
        for (job, input) in [(ok, "in.star"), (bad, "missing.star")] {
            let script = "cd \(f.project) && \(TestEnv.relion("relion_star_handler")) --i \(input) --o \(job.name)out.star --pipeline_control \(job.name) > \(job.name)run.out 2> \(job.name)run.err"
            _ = try TestEnv.run("/bin/sh", ["-c", script])
        }
        #expect(FileManager.default.fileExists(atPath: f.project + "/" + ok.name + "RELION_JOB_EXIT_SUCCESS"))
        #expect(FileManager.default.fileExists(atPath: f.project + "/" + bad.name + "RELION_JOB_EXIT_FAILURE"))
        // A RELION GUI holding the pipeline lock does not stop emwatch, which never touches it; nothing in
        // the project changes.
        try FileManager.default.createDirectory(atPath: f.project + "/.relion_lock", withIntermediateDirectories: true)
        try f.write(".relion_lock/", "lock_default_pipeline.star", "locked\n")
        let before = Self.snapshot(f.project)
        let r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.snapshot(f.project) == before)
        let texts = slack.postedMessages().map(\.text).map { $0.components(separatedBy: " (at ")[0] }
        #expect(Set(texts) == ["apof: Select/job002 Scheduled → Finished", "apof: Select/job003 (broken) Scheduled → Failed"])
        let body = String(decoding: try JSONSerialization.data(withJSONObject: slack.requests().map { $0["args"] ?? [:] }, options: .withoutEscapingSlashes), as: UTF8.self)
        #expect(body.contains("File missing.star does not exist"))
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(slack.postedMessages().count == 2)
    }

    /// Every path under `dir` with its size and modification time.
    static func snapshot(_ dir: String) -> [String] {
        (FileManager.default.subpaths(atPath: dir) ?? []).sorted().map { p in
            var st = stat()
            lstat(dir + "/" + p, &st)
            return "\(p) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
    }

    @Test func dryRunSendsNothingAndForceReportsAgain() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion40)
        defer { slack.stop(); f.remove() }
        try f.addJob(Self.refine, status: 1)
        try f.addJob(Self.class2d, status: 1)
        try f.setUp(slack: slack)
        try f.start(Self.refine.name)
        try f.write(Self.refine.name, "RELION_JOB_EXIT_SUCCESS")
        let dry = try f.emwatch(["run", "--dry-run"], slack: slack)
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("apof: Refine3D/job012 (final_map) Finished"))
        #expect(dry.stdout.contains("1 new messages would be queued"))
        #expect(slack.postedMessages().isEmpty)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(slack.postedMessages().count == 1)
        #expect(try f.emwatch(["run", "--force"], slack: slack).status == 0)
        #expect(slack.postedMessages().count == 2)
        #expect(Set(slack.postedMessages().compactMap(\.key)).count == 2)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(slack.postedMessages().count == 2)
    }

    @Test func ignoredTypesAndProjectFilter() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion50)
        defer { slack.stop(); f.remove() }
        try f.addJob(Self.refine, status: 1)
        try f.addJob(Self.class2d, status: 1)
        try f.setUp(slack: slack, extra: ["--ignore", "class2d"])
        try f.start(Self.refine.name)
        try f.start(Self.class2d.name)
        let other = try f.emwatch(["run", "--project", "nosuch"], slack: slack)
        #expect(other.status == 1)
        #expect(other.stderr.contains("no project named nosuch"))
        #expect(try f.emwatch(["run", "--project", "apof"], slack: slack).status == 0)
        #expect(slack.postedMessages().map(\.text).map { $0.components(separatedBy: " (at ")[0] } == ["apof: Refine3D/job012 (final_map) Running"])
    }

    /// A pipeline file caught half-written by a GUI lacks rows; the jobs it misses are not forgotten (and so
    /// not reported again); a job whose folder is gone too is dropped.
    @Test func aHalfWrittenPipelineNeitherLosesNorRepeatsJobs() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        let imp = RelionProjectFixture.Job(name: "Import/job001/", alias: nil, code31: 0, label: "relion.import.movies")
        try f.addJob(imp, status: 2)   // finished per the pipeline only, no marker (as RELION 3.1 Import in the GUI)
        try f.addJob(Self.refine, status: 1)
        try f.setUp(slack: slack)
        #expect(try f.emwatch(["run", "--baseline"], slack: slack).status == 0)
        let full = try String(contentsOfFile: f.project + "/default_pipeline.star", encoding: .utf8)
        let cut = full.components(separatedBy: "Import/job001/")[0]
        try cut.write(toFile: f.project + "/default_pipeline.star", atomically: false, encoding: .utf8)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        try full.write(toFile: f.project + "/default_pipeline.star", atomically: false, encoding: .utf8)
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(slack.postedMessages().isEmpty)
        #expect(try f.emwatch(["project", "list"]).stdout.contains("\t2 jobs"))
        // Deleted: gone from the pipeline and the folder moved to Trash/.
        try FileManager.default.createDirectory(atPath: f.project + "/Trash/Refine3D", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: f.project + "/Refine3D/job012", toPath: f.project + "/Trash/Refine3D/job012")
        f.jobs.removeAll { $0.name == Self.refine.name }
        try f.writePipeline()
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(try f.emwatch(["project", "list"]).stdout.contains("\t1 jobs"))
        #expect(slack.postedMessages().isEmpty)
    }

    @Test func cronPrintsALineThatRunsThisDatabase() throws {
        let f = try RelionProjectFixture(layout: .relion31)
        defer { f.remove() }
        let r = try f.emwatch(["cron", "--every", "10"])
        #expect(r.status == 0)
        let fields = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        #expect(fields.prefix(5) == ["*/10", "*", "*", "*", "*"])
        #expect(fields[5].hasSuffix("/emwatch") && fields[6] == "run" && fields[7] == "--db" && String(fields[8]) == f.db)
        #expect(r.stdout.contains("# emwatch \(f.db)"))
        #expect(try f.emwatch(["cron", "--every", "0"]).status == 64)
    }

    @Test func projectsAreCheckedAndNamesUnique() throws {
        let f = try RelionProjectFixture(layout: .relion31)
        defer { f.remove() }
        #expect(try f.emwatch(["project", "add", f.project, "--name", "a"]).status == 0)
        let again = try f.emwatch(["project", "add", f.project, "--name", "b"])
        #expect(again.status == 1 && again.stderr.contains("already followed as a"))
        let sameName = try f.emwatch(["project", "add", f.root, "--name", "a"])
        #expect(sameName.status == 1 && sameName.stderr.contains("no readable default_pipeline.star"))
        let list = try f.emwatch(["project", "list"])
        #expect(list.stdout.hasPrefix("a\t\(f.project)"))
        #expect(try f.emwatch(["project", "remove", "a"]).status == 0)
        let gone = try f.emwatch(["project", "remove", "a"])
        #expect(gone.status == 1 && gone.stderr.contains("no project named a"))
    }

    @Test func theTokenNeverAppearsInOutput() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        try f.addJob(Self.refine, status: 1)
        try f.setUp(slack: slack)
        try f.start(Self.refine.name)
        var outputs: [TestEnv.ProcessResult] = []
        outputs.append(try f.emwatch(["config"]))
        outputs.append(try f.emwatch(["status"]))
        outputs.append(try f.emwatch(["test-slack"], slack: slack))
        outputs.append(try f.emwatch(["run", "-v"], slack: slack))
        outputs.append(try f.emwatch(["run", "--dry-run"], slack: slack))
        try slack.setFaults([["status": 500]])
        try f.write(Self.refine.name, "RELION_JOB_EXIT_SUCCESS")
        outputs.append(try f.emwatch(["run"], slack: slack))
        outputs.append(try f.emwatch(["status"]))
        for o in outputs {
            #expect(!o.stdout.contains("standin-0000") && !o.stderr.contains("standin-0000"))
        }
        #expect(outputs[2].stdout.contains("token works: bot emwatch-bot"))
        // A token file others can read is refused.
        let loose = f.root + "/loose-token"
        try (SlackStandIn.token + "\n").write(toFile: loose, atomically: true, encoding: .utf8)
        chmod(loose, 0o644)
        let refused = try f.emwatch(["config", "--token-file", loose])
        #expect(refused.status == 1 && refused.stderr.contains("readable by others"))
        var st = stat()
        stat(f.db, &st)
        #expect(st.st_mode & 0o077 == 0)
    }

    @Test func slackErrorsAreShownByName() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        try f.setUp(slack: slack)
        let wrong = f.root + "/wrong"
        try "xoxb-wrong-token-value\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        chmod(wrong, 0o600)
        #expect(try f.emwatch(["config", "--token-file", wrong]).status == 0)
        let bad = try f.emwatch(["test-slack"], slack: slack)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("Slack auth.test failed: invalid_auth"))
        #expect(!bad.stderr.contains("wrong-token"))
        let tokenFile = f.root + "/token"
        #expect(try f.emwatch(["config", "--token-file", tokenFile, "--member", "U9NOSUCH9"]).status == 0)
        let noUser = try f.emwatch(["test-slack"], slack: slack)
        #expect(noUser.stderr.contains("Slack conversations.open failed: user_not_found"))
    }
}
