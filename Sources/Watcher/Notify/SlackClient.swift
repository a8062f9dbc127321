import Foundation

/// Slack's Web API, the methods the Watcher needs, over `HTTPClient` (libcurl).
///
/// Every call sends the bot token as `Authorization: Bearer …` and never puts it in a URL, log or error.
/// `{"ok":false,"error":"…"}` becomes `WatcherError.slack` with Slack's error name; HTTP 429 waits the
/// `Retry-After` seconds when that is short (else `WatcherError.slackRateLimited`); other HTTP failures,
/// timeouts and malformed answers become `WatcherError.slackTransport`, which the outbox retries later.
public struct SlackClient: Sendable {
    /// Base of the method URLs, ending in `/` (default `https://slack.com/api/`; tests use a stand-in).
    public var baseURL: String
    private let token: String
    public var http: HTTPClient
    /// Longest `Retry-After` (seconds) waited for inside a run; a longer one leaves the message for later.
    public var maxRetryWait: Int

    /// The base URL from `--slack-url`, else `$EMWATCH_SLACK_URL`, else Slack's.
    public static func baseURL(option: String?) -> String {
        var b = option ?? ProcessInfo.processInfo.environment["EMWATCH_SLACK_URL"] ?? "https://slack.com/api/"
        if !b.hasSuffix("/") { b += "/" }
        return b
    }

    public init(token: String, baseURL: String, http: HTTPClient = HTTPClient(), maxRetryWait: Int = 30) {
        self.token = token
        self.baseURL = baseURL
        self.http = http
        self.maxRetryWait = maxRetryWait
    }

    // MARK: methods

    /// `auth.test`: who the token belongs to (team and bot user names).
    public func authTest() throws -> (team: String, user: String) {
        let r = try call("auth.test", form: [])
        return (r["team"] as? String ?? "?", r["user"] as? String ?? "?")
    }

    /// `conversations.open` with `users=member`: the DM channel ID (`D…`).
    public func openDM(member: String) throws -> String {
        let r = try call("conversations.open", form: [("users", member)])
        guard let ch = (r["channel"] as? [String: Any])?["id"] as? String else {
            throw WatcherError.slackTransport(method: "conversations.open", problem: "answer has no channel.id")
        }
        return ch
    }

    /// `chat.postMessage` (JSON body): posts `text` with `blocks` and the notice key as message metadata;
    /// returns the message's `ts`.
    public func postMessage(channel: String, text: String, blocks: [[String: Any]], noticeKey: String) throws -> String {
        let body: [String: Any] = [
            "channel": channel, "text": text, "blocks": blocks, "unfurl_links": false, "unfurl_media": false,
            "metadata": ["event_type": SlackClient.metadataEventType, "event_payload": ["key": noticeKey]],
        ]
        let r = try call("chat.postMessage", json: body)
        guard let ts = r["ts"] as? String else {
            throw WatcherError.slackTransport(method: "chat.postMessage", problem: "answer has no ts")
        }
        return ts
    }

    /// The `event_type` of the metadata carried by every Watcher message.
    public static let metadataEventType = "emwatch_notice"

    /// The `ts` of the message carrying notice `key` in `channel`, posted at or after `oldest`, if any
    /// (`conversations.history` with `include_all_metadata`, following cursors).
    public func findMessage(channel: String, noticeKey key: String, oldest: Date) throws -> String? {
        var cursor: String?
        for _ in 0 ..< 20 {
            var form = [("channel", channel), ("oldest", String(format: "%.6f", oldest.timeIntervalSince1970 - 60)),
                        ("include_all_metadata", "true"), ("limit", "200")]
            if let c = cursor { form.append(("cursor", c)) }
            let r = try call("conversations.history", form: form)
            for m in r["messages"] as? [[String: Any]] ?? [] {
                let md = m["metadata"] as? [String: Any]
                if md?["event_type"] as? String == SlackClient.metadataEventType,
                   (md?["event_payload"] as? [String: Any])?["key"] as? String == key {
                    return m["ts"] as? String
                }
            }
            cursor = (r["response_metadata"] as? [String: Any])?["next_cursor"] as? String
            if cursor?.isEmpty ?? true { return nil }
        }
        return nil
    }

    /// True when file `fileID` is already shared in the thread of `ts` (`conversations.replies`).
    public func threadHasFile(channel: String, ts: String, fileID: String) throws -> Bool {
        let r = try call("conversations.replies", form: [("channel", channel), ("ts", ts), ("limit", "200")])
        for m in r["messages"] as? [[String: Any]] ?? [] {
            for f in m["files"] as? [[String: Any]] ?? [] where f["id"] as? String == fileID { return true }
        }
        return false
    }

    /// Reserve an upload (`files.getUploadURLExternal`): the file ID and the URL to POST the bytes to.
    public func reserveUpload(filename: String, length: Int) throws -> (fileID: String, uploadURL: String) {
        let r = try call("files.getUploadURLExternal", form: [("filename", filename), ("length", String(length))])
        guard let id = r["file_id"] as? String, let url = r["upload_url"] as? String else {
            throw WatcherError.slackTransport(method: "files.getUploadURLExternal", problem: "answer has no file_id or upload_url")
        }
        return (id, url)
    }

    /// POST the file's bytes to the `upload_url` from `reserveUpload`.
    public func sendBytes(_ data: Data, to uploadURL: String) throws {
        let resp: HTTPResponse
        do {
            resp = try http.post(uploadURL, headers: ["Content-Type: application/octet-stream", "Expect:"], body: data)
        } catch let e as HTTPError {
            throw WatcherError.slackTransport(method: "file upload", problem: e.problem)
        }
        guard resp.status == 200 else {
            throw WatcherError.slackTransport(method: "file upload", problem: "HTTP \(resp.status)")
        }
    }

    /// `files.completeUploadExternal`: share the uploaded file in `channel`, in the thread of `threadTS`.
    public func completeUpload(fileID: String, title: String, channel: String, threadTS: String) throws {
        let files = try JSONSerialization.data(withJSONObject: [["id": fileID, "title": title]])
        _ = try call("files.completeUploadExternal", form: [
            ("files", String(decoding: files, as: UTF8.self)), ("channel_id", channel), ("thread_ts", threadTS),
        ])
    }

    // MARK: transport

    /// Call `method` with a form-encoded body.
    func call(_ method: String, form: [(String, String)]) throws -> [String: Any] {
        let body = form.map { "\(SlackClient.formEscape($0.0))=\(SlackClient.formEscape($0.1))" }.joined(separator: "&")
        return try send(method, contentType: "application/x-www-form-urlencoded; charset=utf-8", body: Data(body.utf8))
    }

    /// Call `method` with a JSON body.
    func call(_ method: String, json: [String: Any]) throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        return try send(method, contentType: "application/json; charset=utf-8", body: body)
    }

    private func send(_ method: String, contentType: String, body: Data) throws -> [String: Any] {
        let headers = ["Authorization: Bearer \(token)", "Content-Type: \(contentType)", "Expect:"]
        var waited = 0
        while true {
            let resp: HTTPResponse
            do { resp = try http.post(baseURL + method, headers: headers, body: body) } catch let e as HTTPError {
                throw WatcherError.slackTransport(method: method, problem: e.problem)
            }
            if resp.status == 429 {
                let after = Int(resp.headers["retry-after"] ?? "") ?? 30
                if waited + after > maxRetryWait { throw WatcherError.slackRateLimited(method: method, retryAfter: after) }
                waited += after
                if after > 0 { sleep(UInt32(after)) }
                continue
            }
            guard resp.status == 200 else {
                throw WatcherError.slackTransport(method: method, problem: "HTTP \(resp.status)")
            }
            guard let obj = (try? JSONSerialization.jsonObject(with: resp.body)) as? [String: Any],
                  let ok = obj["ok"] as? Bool else {
                throw WatcherError.slackTransport(method: method, problem: "answer is not Slack JSON (\(resp.body.count) bytes)")
            }
            guard ok else { throw WatcherError.slack(method: method, error: obj["error"] as? String ?? "unknown_error") }
            return obj
        }
    }

    /// application/x-www-form-urlencoded escaping.
    static func formEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
