import Foundation
import TestSupport

/// The Slack stand-in (SlackStandIn/slack_standin.py) run by a test: started on 127.0.0.1 on a free port,
/// stopped by PID in `stop()`. Every request it receives is read back with `requests()`.
final class SlackStandIn {
    static let token = "xoxb-standin-0000-secret"
    static let member = "U0123ABCD"
    static let channel = "D0123ABCD"

    let dir: String
    let process: Process
    let port: Int

    /// The API base URL for `--slack-url` / EMWATCH_SLACK_URL.
    var apiURL: String { "http://127.0.0.1:\(port)/api/" }

    init() throws {
        dir = TestEnv.temporaryDirectory("standin")
        let script = TestEnv.repoRoot + "/Tests/WatcherTests/SlackStandIn/slack_standin.py"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, dir]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var port = 0
        for _ in 0 ..< 200 {
            if let s = try? String(contentsOfFile: dir + "/port", encoding: .utf8), let p = Int(s) { port = p; break }
            usleep(25_000)
        }
        guard port > 0 else {
            process.terminate()
            throw TestFailure("the Slack stand-in did not start")
        }
        self.port = port
    }

    /// Stop the stand-in (by its PID) and remove its folder.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        TestEnv.removeTemporary(dir)
    }

    /// Make the stand-in answer badly: each rule is `{"method": …, "status": 500|429, "retry_after": s,
    /// "malformed": true, "hang": s, "times": n}`; `[]` restores normal service.
    func setFaults(_ rules: [[String: Any]]) throws {
        let data = try JSONSerialization.data(withJSONObject: ["rules": rules])
        try data.write(to: URL(fileURLWithPath: dir + "/faults.tmp"))
        rename(dir + "/faults.tmp", dir + "/faults.json")
    }

    /// Every request received so far, in order.
    func requests() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: dir + "/requests.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The messages Slack accepted (chat.postMessage answered ok), in order: (text, metadata key).
    func postedMessages() -> [(text: String, key: String?)] {
        requests().compactMap { r in
            guard r["method"] as? String == "chat.postMessage", (r["result"] as? [String: Any])?["ok"] as? Bool == true,
                  let args = r["args"] as? [String: Any] else { return nil }
            let key = ((args["metadata"] as? [String: Any])?["event_payload"] as? [String: Any])?["key"] as? String
            return (args["text"] as? String ?? "", key)
        }
    }

    /// The files shared by files.completeUploadExternal that Slack accepted: (file ID, title, thread_ts).
    func completedUploads() -> [(id: String, title: String, thread: String?)] {
        requests().compactMap { r in
            guard r["method"] as? String == "files.completeUploadExternal",
                  (r["result"] as? [String: Any])?["ok"] as? Bool == true, let args = r["args"] as? [String: Any],
                  let files = (args["files"] as? String).flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [[String: Any]] }),
                  let f = files.first else { return nil }
            return (f["id"] as? String ?? "", f["title"] as? String ?? "", args["thread_ts"] as? String)
        }
    }

    /// The bytes the stand-in accepted for upload `fileID` (as returned by files.getUploadURLExternal), or nil.
    func uploadedBytes(_ fileID: String) -> Data? {
        FileManager.default.contents(atPath: dir + "/upload_" + fileID)
    }

    /// Forget the requests recorded so far.
    func clearRequests() { unlink(dir + "/requests.jsonl") }
}
