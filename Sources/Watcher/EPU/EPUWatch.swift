import Foundation
import GRDB

/// Follows EPU sessions under frames roots: each immediate subfolder of a root is a session. Makes a
/// Notice when a session's first movie appears (start), when no new movie has come for `stallMinutes`
/// (stall), when movies come again (resume), and a summary after `endMinutes` without a new movie (end:
/// movies, bytes, hours, movies per hour). Counts are kept per session in `epu_session`.
///
/// The first poll of a root records the sessions already there without reporting them. Ended sessions are
/// not scanned again (EPU starts a new folder for a new session). Keys: `epu|<session folder>|start`,
/// `…|stall-<n>`, `…|resume-<n>`, `…|end`.
public struct EPUWatch: Sendable {
    /// The frames roots and minutes for stall and end.
    public var config: EPUWatchConfig

    public init(config: EPUWatchConfig) { self.config = config }

    /// Where a session stands.
    public enum SessionState: String, Codable, Sendable { case waiting, active, stalled, ended }

    /// Register the EPU tables (`epu-v1`). Migrations are never edited once shipped.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("epu-v1") { db in
            try db.create(table: "epu_root") { t in
                t.column("root", .text).primaryKey()
                t.column("first_poll", .double).notNull()
            }
            try db.create(table: "epu_session") { t in
                t.column("path", .text).primaryKey()
                t.column("root", .text).notNull()
                t.column("state", .text).notNull()
                t.column("movies", .integer).notNull()
                t.column("bytes", .integer).notNull()
                t.column("first_movie", .double)
                t.column("last_movie", .double)
                t.column("stalls", .integer).notNull().defaults(to: 0)
                t.column("first_seen", .double).notNull()
                t.column("updated_at", .double).notNull()
            }
            // The frames roots: one JSON-encoded EPUWatchConfig.
            try db.create(table: "epu_config") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("config", .text).notNull()
            }
        }
    }

    /// The stored configuration (no roots when none was saved).
    public static func config(_ db: Database) throws -> EPUWatchConfig {
        guard let json = try String.fetchOne(db, sql: "SELECT config FROM epu_config WHERE id = 1") else { return EPUWatchConfig() }
        return try JSONDecoder().decode(EPUWatchConfig.self, from: Data(json.utf8))
    }

    /// Store the configuration (`emwatch epu add|remove` read, change and save it).
    public static func saveConfig(_ db: Database, _ config: EPUWatchConfig) throws {
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO epu_config (id, config) VALUES (1, ?)", arguments: [json])
    }

    /// Scan every root, store the counts and return the Notices for what changed; unreadable roots and
    /// folders are skipped with one line each in `problems`.
    public func poll(_ db: Database, now: Date, problems: inout [String]) throws -> [Notice] {
        var notices: [Notice] = []
        for root in config.roots {
            let url = URL(fileURLWithPath: root)
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: root) } catch {
                problems.append("\(root): cannot list frames root: \((error as NSError).localizedDescription)")
                continue
            }
            let silent = try Bool.fetchOne(db, sql: "SELECT 1 FROM epu_root WHERE root = ?", arguments: [root]) == nil
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = url.appendingPathComponent(name).path
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { continue }
                let row = try Row.fetchOne(db, sql: "SELECT state, movies, stalls, last_movie FROM epu_session WHERE path = ?", arguments: [path])
                let before = row.flatMap { SessionState(rawValue: $0["state"]) }
                if before == .ended { continue }
                let scan = EPUSessionScan.scan(path)
                problems += scan.problems
                var state = before ?? .waiting
                var stalls: Int = row?["stalls"] ?? 0
                let quiet = scan.lastMovie.map { now.timeIntervalSince($0) / 60 } ?? 0
                let grew = scan.lastMovie.map { last in (row?["last_movie"] as Double?).map { last.timeIntervalSince1970 > $0 + 0.5 } ?? true } ?? false
                    || scan.movies > (row?["movies"] ?? 0)
                func emit(_ n: Notice) { if !silent { notices.append(n) } }

                if scan.movies > 0 && state == .waiting {
                    state = .active
                    emit(notice(path, "start", "EPU session \(name) started: \(scan.movies) movies (\(ByteSize.format(scan.bytes))) so far", scan, root, now))
                } else if state == .stalled && grew {
                    state = .active
                    emit(notice(path, "resume-\(stalls)", "EPU session \(name) resumed: \(scan.movies) movies", scan, root, now))
                }
                if scan.movies > 0, state == .active || state == .stalled {
                    if quiet >= config.endMinutes {
                        state = .ended
                        emit(summary(path, name, scan, root, now))
                    } else if state == .active && quiet >= config.stallMinutes {
                        state = .stalled
                        stalls += 1
                        emit(notice(path, "stall-\(stalls)", "EPU session \(name) stalled: no new movie for \(Int(quiet)) min (\(scan.movies) movies, last at \(Self.clock(scan.lastMovie!)))", scan, root, now))
                    }
                }
                try db.execute(sql: """
                    INSERT INTO epu_session (path, root, state, movies, bytes, first_movie, last_movie, stalls, first_seen, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET state = excluded.state, movies = excluded.movies, bytes = excluded.bytes,
                        first_movie = excluded.first_movie, last_movie = excluded.last_movie, stalls = excluded.stalls,
                        updated_at = excluded.updated_at
                    """, arguments: [path, root, state.rawValue, scan.movies, Int64(clamping: scan.bytes),
                                     scan.firstMovie?.timeIntervalSince1970, scan.lastMovie?.timeIntervalSince1970, stalls,
                                     now.timeIntervalSince1970, now.timeIntervalSince1970])
            }
            if silent { try db.execute(sql: "INSERT INTO epu_root (root, first_poll) VALUES (?, ?)", arguments: [root, now.timeIntervalSince1970]) }
        }
        return notices
    }

    /// `poll` without a problem list.
    public func poll(_ db: Database, now: Date) throws -> [Notice] {
        var ignored: [String] = []
        return try poll(db, now: now, problems: &ignored)
    }

    /// The stored state and movie count of a session folder, or nil if unknown.
    public static func session(_ db: Database, path: String) throws -> (state: SessionState, movies: Int)? {
        try Row.fetchOne(db, sql: "SELECT state, movies FROM epu_session WHERE path = ?", arguments: [path]).map {
            (SessionState(rawValue: $0["state"]) ?? .waiting, $0["movies"])
        }
    }

    func summary(_ path: String, _ name: String, _ s: EPUSessionScan, _ root: String, _ now: Date) -> Notice {
        let hours = s.firstMovie.flatMap { a in s.lastMovie.map { $0.timeIntervalSince(a) / 3600 } } ?? 0
        var title = "EPU session \(name) ended: \(s.movies) movies, \(ByteSize.format(s.bytes)) in \(String(format: "%.1f", hours)) h"
        if let rate = s.moviesPerHour { title += String(format: " (%.0f movies/h)", rate) }
        return notice(path, "end", title, s, root, now)
    }

    func notice(_ path: String, _ event: String, _ title: String, _ s: EPUSessionScan, _ root: String, _ now: Date) -> Notice {
        var fields = [NoticeField("Session", path), NoticeField("Movies", "\(s.movies)"), NoticeField("Size", ByteSize.format(s.bytes))]
        if let r = s.moviesPerHour { fields.append(NoticeField("Rate", String(format: "%.0f movies/h", r))) }
        if let a = s.firstMovie { fields.append(NoticeField("First movie", Self.clock(a))) }
        if let b = s.lastMovie { fields.append(NoticeField("Last movie", Self.clock(b))) }
        return Notice(key: "epu|\(path)|\(event)", source: .epu, title: title, fields: fields, occurredAt: now)
    }

    /// `2026-12-01 14:05` in local time.
    static func clock(_ d: Date) -> String { SchedulerTime.localFormatter("yyyy-MM-dd HH:mm").string(from: d) }
}
