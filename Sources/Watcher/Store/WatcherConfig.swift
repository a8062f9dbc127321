import Foundation
import GRDB

/// The user's settings, kept in the `config` table of the state database (mode 0600).
/// `description` never shows the token.
public struct WatcherConfig: Equatable, Sendable, CustomStringConvertible {
    /// Slack bot token (`xoxb-…`). Never printed.
    public var token: String?
    /// The user's Slack member ID (`U…` or `W…`), the DM recipient.
    public var memberID: String?
    /// How maps are drawn in reports.
    public var pictureStyle: PictureStyle = .projection
    /// Job kinds or type labels not to report (`select`, `relion.joinstar`).
    public var ignoredTypes: [String] = []
    /// The DM channel (`D…`) opened for `memberID`, cached after the first `conversations.open`.
    public var dmChannel: String?
    /// The member ID `dmChannel` was opened for (the cache is dropped when the member changes).
    public var dmChannelMember: String?
    /// Seconds after which a run still holding the lock is considered stuck and is stopped by the next run.
    public var staleLockSeconds: Int = 3600

    public init() {}

    /// True when a job of `type` is not to be reported.
    public func ignores(_ type: JobType) -> Bool {
        ignoredTypes.contains { t in
            let t = t.lowercased()
            return t == type.label || t == type.kind.rawValue || type.label.hasPrefix(t + ".")
        }
    }

    public var description: String {
        var s: [String] = []
        s.append("slack token: \(token == nil ? "not set" : "set (hidden)")")
        s.append("member ID: \(memberID ?? "not set")")
        s.append("picture style: \(pictureStyle.rawValue)")
        s.append("ignored job types: \(ignoredTypes.isEmpty ? "none" : ignoredTypes.joined(separator: ", "))")
        s.append("stale lock after: \(staleLockSeconds) s")
        return s.joined(separator: "\n")
    }

    /// Read the settings from the `config` table.
    public static func load(_ db: Database) throws -> WatcherConfig {
        var c = WatcherConfig()
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM config")
        for row in rows {
            let k: String = row["key"], v: String = row["value"]
            switch k {
            case "token": c.token = v
            case "memberID": c.memberID = v
            case "pictureStyle": c.pictureStyle = PictureStyle(rawValue: v) ?? .projection
            case "ignoredTypes": c.ignoredTypes = v.split(separator: ",").map(String.init)
            case "dmChannel": c.dmChannel = v
            case "dmChannelMember": c.dmChannelMember = v
            case "staleLockSeconds": c.staleLockSeconds = Int(v) ?? 3600
            default: break
            }
        }
        return c
    }

    /// Write the settings into the `config` table.
    public func save(_ db: Database) throws {
        let values: [String: String?] = [
            "token": token, "memberID": memberID, "pictureStyle": pictureStyle.rawValue,
            "ignoredTypes": ignoredTypes.joined(separator: ","), "dmChannel": dmChannel,
            "dmChannelMember": dmChannelMember, "staleLockSeconds": String(staleLockSeconds),
        ]
        for (k, v) in values {
            if let v { try db.execute(sql: "INSERT OR REPLACE INTO config(key, value) VALUES (?, ?)", arguments: [k, v]) }
            else { try db.execute(sql: "DELETE FROM config WHERE key = ?", arguments: [k]) }
        }
    }
}
