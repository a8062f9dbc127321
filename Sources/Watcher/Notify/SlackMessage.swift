import Foundation

/// A Notice laid out as a Slack message: the title as notification text, Block Kit sections for the title,
/// the fields (two columns), each line, and a context line saying when the event happened (and when it was
/// queued, for a message delivered late by a retry).
public enum SlackMessage {
    /// A message delivered this long after its event says so.
    public static let lateAfter: TimeInterval = 600

    /// The plain text (notification and fallback) of `notice`, including the event time.
    public static func text(_ notice: Notice, sentAt: Date) -> String {
        var t = notice.title + " (at \(stamp(notice.occurredAt)))"
        if sentAt.timeIntervalSince(notice.occurredAt) > lateAfter { t += " [delivered late]" }
        return t
    }

    /// The Block Kit blocks of `notice`. Texts are cut to Slack's limits (3000 characters a section,
    /// 2000 a field, 10 fields a section).
    public static func blocks(_ notice: Notice, queuedAt: Date, sentAt: Date) -> [[String: Any]] {
        var blocks: [[String: Any]] = [section(mrkdwn: "*\(escape(notice.title))*")]
        var fields = notice.fields
        while !fields.isEmpty {
            let chunk = fields.prefix(10)
            fields.removeFirst(chunk.count)
            blocks.append(["type": "section", "fields": chunk.map {
                ["type": "mrkdwn", "text": cut("*\(escape($0.name))*\n\(escape($0.value))", 2000)]
            }])
        }
        for line in notice.lines { blocks.append(section(mrkdwn: cut(line, 3000))) }
        var when = "Happened at \(stamp(notice.occurredAt))"
        if sentAt.timeIntervalSince(notice.occurredAt) > lateAfter {
            when += " · queued at \(stamp(queuedAt)) · delivered late at \(stamp(sentAt))"
        }
        blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": when]]])
        return Array(blocks.prefix(50))
    }

    static func section(mrkdwn: String) -> [String: Any] {
        ["type": "section", "text": ["type": "mrkdwn", "text": mrkdwn]]
    }

    /// Slack mrkdwn needs `&`, `<` and `>` escaped.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func cut(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// `2026-12-01 19:55 UTC`.
    public static func stamp(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: d)
    }
}
