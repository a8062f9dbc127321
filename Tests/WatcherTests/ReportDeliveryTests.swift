import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

/// A real RELION job's report reaches Slack with its pictures: the built `emwatch` follows a project in which a
/// PostProcess job (`relion_postprocess` 3.1.3 on two half maps made by `emtools phantom` with independent
/// noise) goes from Running to Finished; the stand-in receives one message carrying the resolution RELION
/// wrote, then each picture uploaded into that message's thread.
@Suite(.serialized) struct ReportDeliveryTests {
    static let post = RelionProjectFixture.Job(name: "PostProcess/job002/", alias: nil, code31: 15, label: "relion.postprocess")

    /// A followed project with the PostProcess job running (its Scheduled → Running message already sent and
    /// forgotten by the stand-in).
    func runningProject(_ slack: SlackStandIn) throws -> RelionProjectFixture {
        let f = try RelionProjectFixture(layout: .relion31)
        try f.addJob(Self.post, status: 1)
        try f.setUp(slack: slack)
        let baseline = try f.emwatch(["run", "--baseline"], slack: slack, env: cache(f))
        guard baseline.status == 0 else { throw TestFailure("baseline failed: \(baseline.stderr)") }
        try f.start(Self.post.name)
        try f.setPipelineStatus(Self.post.name, 0)
        let r = try f.emwatch(["run"], slack: slack, env: cache(f))
        guard r.status == 0 else { throw TestFailure("run failed: \(r.stderr)") }
        #expect(slack.postedMessages().map { $0.text.components(separatedBy: " (at ")[0] } == ["apof: PostProcess/job002 Scheduled → Running"])
        slack.clearRequests()
        return f
    }

    /// The picture cache inside the test folder, not the user's.
    func cache(_ f: RelionProjectFixture) -> [String: String] { ["XDG_CACHE_HOME": f.root + "/cache"] }

    /// Run `relion_postprocess` for the job as the RELION GUI does (output in `run.out` / `run.err`), and return
    /// `_rlnFinalResolution` of the `postprocess.star` it wrote, read by Python's starfile.
    func postProcess(_ f: RelionProjectFixture) throws -> Double {
        let refine = f.project + "/Refine3D/job001"
        try FileManager.default.createDirectory(atPath: refine, withIntermediateDirectories: true)
        for (half, seed) in [(1, 11), (2, 12)] {
            let r = try TestEnv.run(TestEnv.product("emtools"), ["phantom", refine + "/run_half\(half)_class001_unfil.mrc", "--size", "32",
                                                                 "--angpix", "3", "--noise", "0.15", "--seed", "\(seed)"])
            guard r.status == 0 else { throw TestFailure("emtools phantom failed: \(r.stderr)") }
        }
        let name = Self.post.name
        let script = "cd '\(f.project)' && \(TestEnv.relion("relion_postprocess")) --i Refine3D/job001/run_half1_class001_unfil.mrc"
            + " --i2 Refine3D/job001/run_half2_class001_unfil.mrc --angpix 3 --adhoc_bfac -50 --o \(name)postprocess"
            + " > \(name)run.out 2> \(name)run.err"
        _ = try TestEnv.run("/bin/sh", ["-c", script])
        // RELION 3.1.3 may stop while drawing its EPS plots, after it wrote the map and the STAR file.
        for file in ["postprocess.star", "postprocess.mrc"] where !FileManager.default.fileExists(atPath: f.project + "/" + name + file) {
            let err = (try? String(contentsOfFile: f.project + "/" + name + "run.err", encoding: .utf8)) ?? ""
            throw TestFailure("relion_postprocess wrote no \(file): \(err.suffix(400))")
        }
        let out = try TestEnv.python("""
        import sys, starfile
        print(float(starfile.read(sys.argv[1], always_dict=True)['general']['rlnFinalResolution']))
        """, [f.project + "/" + name + "postprocess.star"])
        return try #require(Double(out.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// The job finishes as RELION marks it.
    func finish(_ f: RelionProjectFixture) throws {
        try f.write(Self.post.name, "RELION_JOB_EXIT_SUCCESS")
        try f.setPipelineStatus(Self.post.name, 2)
    }

    /// The one chat.postMessage since the last `clearRequests`: its text, blocks as JSON text, ts, and the
    /// text of each section block.
    func message(_ slack: SlackStandIn) throws -> (text: String, blocks: String, ts: String, sectionTexts: [String]) {
        let posts = slack.requests().filter { $0["method"] as? String == "chat.postMessage" }
        try #require(posts.count == 1, "\(posts.count) messages posted")
        let args = try #require(posts[0]["args"] as? [String: Any])
        let result = try #require(posts[0]["result"] as? [String: Any])
        #expect(result["ok"] as? Bool == true)
        let blocks = String(decoding: try JSONSerialization.data(withJSONObject: args["blocks"] ?? [], options: .withoutEscapingSlashes), as: UTF8.self)
        let sections = (args["blocks"] as? [[String: Any]] ?? []).compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        return (args["text"] as? String ?? "", blocks, try #require(result["ts"] as? String), sections)
    }

    /// The uploads since the last `clearRequests`, in order: file name, file ID and the decoded PNG's size;
    /// each one reserved, sent and completed in the thread `ts`.
    func uploads(_ slack: SlackStandIn, thread ts: String) throws -> [(name: String, width: Int, height: Int)] {
        let requests = slack.requests()
        let reserved = requests.filter { $0["method"] as? String == "files.getUploadURLExternal" }
        let sent = requests.filter { $0["method"] as? String == "upload" }
        let completed = slack.completedUploads()
        var out: [(String, Int, Int)] = []
        for r in reserved {
            let name = try #require((r["args"] as? [String: Any])?["filename"] as? String)
            let id = try #require((r["result"] as? [String: Any])?["file_id"] as? String)
            #expect(sent.contains { $0["file_id"] as? String == id && $0["error"] == nil }, "\(name) not sent")
            let done = try #require(completed.first { $0.id == id }, "\(name) not completed")
            #expect(done.thread == ts, "\(name) not in the message's thread")
            let bytes = try #require(slack.uploadedBytes(id))
            let size = try ReportPNG.size(NoticeAttachment(filename: name, title: done.title, data: bytes))
            out.append((name, size.width, size.height))
        }
        #expect(sent.count == reserved.count && completed.count == reserved.count)
        return out
    }

    @Test func postProcessReportArrivesWithItsPicturesOnce() throws {
        let slack = try SlackStandIn()
        let f = try runningProject(slack)
        defer { slack.stop(); f.remove() }
        let resolution = try postProcess(f)
        #expect(resolution >= 6 && resolution < 96, "resolution \(resolution) Å (Nyquist 6 Å, box 96 Å)")
        try finish(f)
        let r = try f.emwatch(["run"], slack: slack, env: cache(f))
        #expect(r.status == 0, "\(r.stderr)")
        let m = try message(slack)
        #expect(m.text.hasPrefix("apof: PostProcess/job002 Running → Finished"), "\(m.text)")
        let angstrom = String(format: "%.2f Å", resolution)
        #expect(m.sectionTexts.contains("Final resolution (FSC = 0.143): *\(angstrom)*"), "\(m.blocks)")
        #expect(m.blocks.contains("*Resolution*\\n\(angstrom)"), "\(m.blocks)")
        #expect(m.blocks.contains("B-factor") && m.blocks.contains("-50.0 Å²"))
        #expect(!m.blocks.contains("⚠️"), "\(m.blocks)")
        let files = try uploads(slack, thread: m.ts)
        #expect(files.map(\.name) == ["PostProcess_job002_fsc.png", "PostProcess_job002_map.png"])
        #expect(files.map { [$0.width, $0.height] } == [[720, 480], [608, 253]])

        // Nothing changed: nothing more is sent.
        slack.clearRequests()
        #expect(try f.emwatch(["run"], slack: slack, env: cache(f)).status == 0)
        let again = slack.requests().compactMap { $0["method"] as? String }
        #expect(!again.contains("chat.postMessage") && !again.contains("files.getUploadURLExternal") && !again.contains("upload"), "\(again)")
    }

    @Test func truncatedMapStillSendsTheMessageSayingWhy() throws {
        let slack = try SlackStandIn()
        let f = try runningProject(slack)
        defer { slack.stop(); f.remove() }
        let resolution = try postProcess(f)
        let map = f.project + "/" + Self.post.name + "postprocess.mrc"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: map)[.size] as? Int)
        #expect(truncate(map, off_t(size / 2)) == 0)
        try finish(f)
        let r = try f.emwatch(["run"], slack: slack, env: cache(f))
        #expect(r.status == 0, "\(r.stderr)")
        let m = try message(slack)
        #expect(m.sectionTexts.contains(String(format: "Final resolution (FSC = 0.143): *%.2f Å*", resolution)), "\(m.blocks)")
        // One line names the file and why its picture is missing.
        let lines = m.sectionTexts.filter { $0.hasPrefix("⚠️ ") }
        #expect(lines == ["⚠️ no picture of postprocess.mrc: \(map): truncated: the header needs \(size - 1024) bytes of data but the file holds \(size / 2 - 1024)"],
                "\(m.blocks)")
        let files = try uploads(slack, thread: m.ts)
        #expect(files.map(\.name) == ["PostProcess_job002_fsc.png"])
        #expect(files.map { [$0.width, $0.height] } == [[720, 480]])
    }

    /// A MultiBody job (generated by Tests/EMCoreTests/Fixtures/make_multibody_job.py) that finishes: its message
    /// carries EMCore's PCA headline, and the amplitude histogram is uploaded into its thread with the body maps.
    @Test func multiBodyReportArrivesWithItsPCAHistogram() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        let job = RelionProjectFixture.Job(name: "MultiBody/job001/", alias: nil, code31: 19, label: "relion.multibody")
        try f.addJob(job, status: 1)
        try f.setUp(slack: slack)
        #expect(try f.emwatch(["run", "--baseline"], slack: slack, env: cache(f)).status == 0)
        try f.start(job.name)
        try f.setPipelineStatus(job.name, 0)
        #expect(try f.emwatch(["run"], slack: slack, env: cache(f)).status == 0)
        slack.clearRequests()
        let g = try TestEnv.run(TestEnv.python, [ReportMultiBodyTests.generator, f.project, "300", "1", "pair"])
        try #require(g.status == 0, "\(g.stderr)")
        try f.write(job.name, "RELION_JOB_EXIT_SUCCESS")
        try f.setPipelineStatus(job.name, 2)
        let r = try f.emwatch(["run"], slack: slack, env: cache(f))
        #expect(r.status == 0, "\(r.stderr)")
        let m = try message(slack)
        #expect(m.text.hasPrefix("apof: MultiBody/job001 Running → Finished"), "\(m.text)")
        let headline = try MultiBodyAnalysis(job: MultiBodyJob.locate(f.project + "/" + job.name)).summary.headline()
        #expect(m.sectionTexts.contains { $0.contains("Body motions (PCA of the 2 bodies' rotations and translations): " + headline) }, "\(m.blocks)")
        #expect(!m.blocks.contains("⚠️"), "\(m.blocks)")
        let files = try uploads(slack, thread: m.ts)
        #expect(files.map(\.name) == ["MultiBody_job001_bodies.png", "MultiBody_job001_pca_amplitudes.png"])
        #expect(files.map { [$0.width, $0.height] } == [[408, 253], [720, 480]])
    }
}
