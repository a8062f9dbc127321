import Foundation
import Testing
import TestSupport
@testable import Watcher

/// The Slack client against the stand-in, in process.
@Suite(.serialized) struct SlackClientTests {
    func client(_ slack: SlackStandIn, token: String = SlackStandIn.token, timeout: Int = 10) -> SlackClient {
        SlackClient(token: token, baseURL: slack.apiURL, http: HTTPClient(timeout: timeout), maxRetryWait: 5)
    }

    func error(_ body: () throws -> Void) -> WatcherError? {
        do { try body(); return nil } catch let e as WatcherError { return e } catch { return .other("\(error)") }
    }

    @Test func okFalseErrorsComeBackByName() throws {
        let slack = try SlackStandIn()
        defer { slack.stop() }
        #expect(error { _ = try client(slack, token: "xoxb-not-the-right-one").authTest() } == .slack(method: "auth.test", error: "invalid_auth"))
        #expect(error { _ = try client(slack, token: "").authTest() } == .slack(method: "auth.test", error: "not_authed"))
        let c = client(slack)
        #expect(error { _ = try c.openDM(member: "U9NOBODY9") } == .slack(method: "conversations.open", error: "user_not_found"))
        #expect(error { _ = try c.postMessage(channel: "D9UNKNOWN9", text: "x", blocks: [], noticeKey: "k") }
                == .slack(method: "chat.postMessage", error: "channel_not_found"))
        #expect(error { _ = try c.postMessage(channel: "apof-channel", text: "x", blocks: [], noticeKey: "k") }
                == .slack(method: "chat.postMessage", error: "invalid_arguments"))
        let invalid = error { _ = try c.postMessage(channel: SlackStandIn.channel, text: "x", blocks: [["text": "no type"]], noticeKey: "k") }
        #expect(invalid == .slack(method: "chat.postMessage", error: "invalid_blocks"))
        #expect(invalid?.isMessageSpecific == true)
        #expect(WatcherError.slack(method: "auth.test", error: "invalid_auth").description.contains("emwatch config --token-file"))
    }

    @Test func transportProblemsAreRetryable() throws {
        let slack = try SlackStandIn()
        defer { slack.stop() }
        let c = client(slack, timeout: 1)
        try slack.setFaults([["status": 500, "times": 1]])
        #expect(error { _ = try c.authTest() } == .slackTransport(method: "auth.test", problem: "HTTP 500"))
        try slack.setFaults([["malformed": true, "times": 1]])
        let malformed = error { _ = try c.authTest() }
        #expect(malformed?.isTransient == true)
        try slack.setFaults([["hang": 5, "times": 1]])
        #expect(error { _ = try c.authTest() } == .slackTransport(method: "auth.test", problem: "no answer within 1 s"))
        try slack.setFaults([["status": 429, "retry_after": 60, "times": 1]])
        #expect(error { _ = try c.authTest() } == .slackRateLimited(method: "auth.test", retryAfter: 60))
        try slack.setFaults([])
        #expect(try c.authTest().team == "Stand-in Lab")
        // Nothing listens here: refused, retryable, and the message names no token.
        let down = SlackClient(token: SlackStandIn.token, baseURL: "http://127.0.0.1:1/api/")
        let refused = error { _ = try down.authTest() }
        #expect(refused?.isTransient == true)
        #expect(!(refused?.description.contains("standin") ?? true))
    }

    @Test func messagesAreFoundByTheirKeyAndFilesLandInTheThread() throws {
        let slack = try SlackStandIn()
        defer { slack.stop() }
        let c = client(slack)
        let start = Date()
        let ch = try c.openDM(member: SlackStandIn.member)
        #expect(ch == SlackStandIn.channel)
        let ts = try c.postMessage(channel: ch, text: "hello", blocks: [["type": "section", "text": ["type": "mrkdwn", "text": "*hi*"]]], noticeKey: "key-1")
        #expect(try c.findMessage(channel: ch, noticeKey: "key-1", oldest: start) == ts)
        #expect(try c.findMessage(channel: ch, noticeKey: "key-2", oldest: start) == nil)
        let bytes = Data((0 ..< 5000).map { UInt8($0 & 0xff) })
        let up = try c.reserveUpload(filename: "gallery.png", length: bytes.count)
        #expect(error { try c.completeUpload(fileID: up.fileID, title: "Gallery", channel: ch, threadTS: ts) }
                == .slack(method: "files.completeUploadExternal", error: "file_upload_incomplete"))
        try c.sendBytes(bytes, to: up.uploadURL)
        #expect(try c.threadHasFile(channel: ch, ts: ts, fileID: up.fileID) == false)
        try c.completeUpload(fileID: up.fileID, title: "Gallery", channel: ch, threadTS: ts)
        #expect(try c.threadHasFile(channel: ch, ts: ts, fileID: up.fileID) == true)
        let complete = slack.completedUploads()
        #expect(complete.count == 1 && complete[0].title == "Gallery" && complete[0].thread == ts)
        // A wrong length is refused by the upload URL.
        let short = try c.reserveUpload(filename: "x.png", length: 10)
        #expect(error { try c.sendBytes(Data(count: 9), to: short.uploadURL) } == .slackTransport(method: "file upload", problem: "HTTP 400"))
        // Requests were form-encoded or JSON with a charset, with the token only in the Authorization header.
        for r in slack.requests() where r["method"] as? String != "upload" {
            #expect((r["content_type"] as? String ?? "").hasSuffix("charset=utf-8"))
            #expect(r["auth"] as? String == "ok")
            #expect(!"\(r["args"] ?? "")".contains("standin-0000"))
        }
    }
}

/// The hook the per-job reports use: a reporter's fields, lines, problems and pictures reach Slack with the
/// plain message; jobs of other kinds get the plain message only.
@Suite(.serialized) struct ReporterHookTests {
    struct FakeRefineReporter: JobReporter {
        static let kinds: [JobKind] = [.refine3d]
        func report(for job: JobContext) -> JobReport {
            JobReport(lines: ["Final resolution reached"], fields: [NoticeField("Resolution", "3.41 Å")],
                      attachments: [NoticeAttachment(filename: "fsc.png", title: "FSC of \(job.jobName)", data: Data(repeating: 7, count: 1234))],
                      problems: ["no picture of run_class001.mrc: file is truncated"])
        }
    }

    @Test func reportsAreAddedToTheMessageAndPicturesGoToTheThread() throws {
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion40)
        defer { slack.stop(); f.remove() }
        try f.addJob(EndToEndTests.refine, status: 1)
        try f.addJob(EndToEndTests.class2d, status: 1)
        try f.setUp(slack: slack)
        try f.start(EndToEndTests.refine.name)
        try f.write(EndToEndTests.refine.name, "RELION_JOB_EXIT_SUCCESS")
        try f.start(EndToEndTests.class2d.name)
        let store = try StateStore(path: f.db)
        var options = WatcherRun.Options()
        options.slackURL = slack.apiURL
        let run = WatcherRun(store: store, options: options)
        let sources = try store.read { db in try RelionProjectSource.configured(in: db, context: PollContext(now: Date())) }
            .compactMap { $0 as? RelionProjectSource }
            .map { RelionProjectSource(project: $0.project, config: $0.config, reporters: [FakeRefineReporter()]) }
        let summary = try run.execute(sources: sources)
        #expect(summary.problems.isEmpty, "\(summary.problems)")
        #expect(summary.sent == 2)
        let posts = slack.requests().filter { $0["method"] as? String == "chat.postMessage" }
        let bodies = posts.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0["args"]!, options: .withoutEscapingSlashes), as: UTF8.self) }
        let refine = try #require(bodies.first { $0.contains("Refine3D/job012") })
        #expect(refine.contains("*Resolution*\\n3.41 Å") && refine.contains("Final resolution reached") && refine.contains("file is truncated"))
        let class2d = try #require(bodies.first { $0.contains("Class2D/job1000") })
        #expect(!class2d.contains("Resolution"))
        let uploads = slack.completedUploads()
        #expect(uploads.count == 1 && uploads[0].title == "FSC of Refine3D/job012/")
        let refineTS = (posts.first { "\($0)".contains("Refine3D/job012") }?["result"] as? [String: Any])?["ts"] as? String
        #expect(uploads[0].thread == refineTS)
        #expect(try run.execute().detected.isEmpty)
    }
}
