import Foundation
import GRDB

/// Follows free space on configured paths: stores a sample per path and poll (`disk_sample`), and makes one
/// Notice when free space drops under the path's threshold and one when it recovers (above the threshold
/// plus `recoveryMargin`: hysteresis), with a plot of the last `plotDays` days attached to the alert.
/// Several paths on one filesystem (same `f_fsid`) are checked once, under the first path's name.
///
/// Keys: `disk|<path>|low|<time of the drop>` and `disk|<path>|recovered|<time of the recovery>`, times in
/// whole seconds since 1970 as stored in `disk_state`, so each crossing is one event.
public struct DiskWatch: Sendable {
    /// The watched paths and thresholds.
    public var config: DiskWatchConfig
    /// Where free space is read (`statvfs` unless a test passes another).
    public var source: any FreeSpaceSource

    public init(config: DiskWatchConfig, source: any FreeSpaceSource = StatvfsSource()) {
        self.config = config; self.source = source
    }

    /// Register the disk tables (`disk-v1`). Migrations are never edited once shipped.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("disk-v1") { db in
            try db.create(table: "disk_sample") { t in
                t.column("path", .text).notNull()
                t.column("time", .double).notNull()
                t.column("total", .integer).notNull()
                t.column("free", .integer).notNull()
                t.primaryKey(["path", "time"])
            }
            try db.create(table: "disk_state") { t in
                t.column("path", .text).primaryKey()
                t.column("low", .boolean).notNull()
                t.column("since", .double).notNull()
            }
            // The watched paths: one JSON-encoded DiskWatchConfig.
            try db.create(table: "disk_config") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("config", .text).notNull()
            }
        }
    }

    /// The stored configuration (empty when none was saved).
    public static func config(_ db: Database) throws -> DiskWatchConfig {
        guard let json = try String.fetchOne(db, sql: "SELECT config FROM disk_config WHERE id = 1") else { return DiskWatchConfig() }
        return try JSONDecoder().decode(DiskWatchConfig.self, from: Data(json.utf8))
    }

    /// Store the configuration (`emwatch disk add|remove` read, change and save it).
    public static func saveConfig(_ db: Database, _ config: DiskWatchConfig) throws {
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try db.execute(sql: "INSERT OR REPLACE INTO disk_config (id, config) VALUES (1, ?)", arguments: [json])
    }

    /// Sample every path, store the samples and the low/normal state, and return the Notices for crossings.
    /// Paths whose free space cannot be read are skipped, with one line each in `problems`.
    public func poll(_ db: Database, now: Date, problems: inout [String]) throws -> [Notice] {
        var notices: [Notice] = []
        var seenFilesystems = Set<UInt64>()
        let t = now.timeIntervalSince1970.rounded()
        for p in config.paths {
            let usage: DiskUsage
            do { usage = try source.usage(of: p.path) } catch { problems.append("\(error)"); continue }
            if usage.filesystemID != 0 && !seenFilesystems.insert(usage.filesystemID).inserted { continue }
            try db.execute(sql: "INSERT OR REPLACE INTO disk_sample (path, time, total, free) VALUES (?, ?, ?, ?)",
                           arguments: [p.path, t, Int64(clamping: usage.total), Int64(clamping: usage.free)])
            let limit = p.threshold.bytes(ofTotal: usage.total)
            let wasLow = try Bool.fetchOne(db, sql: "SELECT low FROM disk_state WHERE path = ?", arguments: [p.path])
            let isLow: Bool
            if wasLow == true {
                isLow = Double(usage.free) < Double(limit) * (1 + config.recoveryMargin)
            } else {
                isLow = usage.free < limit
            }
            if wasLow != isLow {
                try db.execute(sql: "INSERT OR REPLACE INTO disk_state (path, low, since) VALUES (?, ?, ?)", arguments: [p.path, isLow, t])
                if isLow {
                    notices.append(try lowNotice(db, p, usage, limit: limit, now: now, key: "disk|\(p.path)|low|\(Int(t))"))
                } else if wasLow == true {
                    notices.append(Notice(key: "disk|\(p.path)|recovered|\(Int(t))", source: .disk,
                                          title: "Disk \(p.displayName): free space back to \(ByteSize.format(usage.free)) (\(Self.percent(usage))), above \(p.threshold)",
                                          fields: fields(p, usage, limit: limit), occurredAt: now))
                }
            }
        }
        try db.execute(sql: "DELETE FROM disk_sample WHERE time < ?", arguments: [t - config.historyDays * 86400])
        return notices
    }

    /// `poll` without a problem list (problems are dropped).
    public func poll(_ db: Database, now: Date) throws -> [Notice] {
        var ignored: [String] = []
        return try poll(db, now: now, problems: &ignored)
    }

    /// The stored samples of `path` since `start`, oldest first: (time, total bytes, free bytes).
    public static func history(_ db: Database, path: String, since start: Date) throws -> [(Date, UInt64, UInt64)] {
        try Row.fetchAll(db, sql: "SELECT time, total, free FROM disk_sample WHERE path = ? AND time >= ? ORDER BY time",
                         arguments: [path, start.timeIntervalSince1970]).map { row in
            (Date(timeIntervalSince1970: row[0]), UInt64(max(0, row[1] as Int64)), UInt64(max(0, row[2] as Int64)))
        }
    }

    func lowNotice(_ db: Database, _ p: DiskPathConfig, _ usage: DiskUsage, limit: UInt64, now: Date, key: String) throws -> Notice {
        let samples = try Self.history(db, path: p.path, since: now.addingTimeInterval(-config.plotDays * 86400)).map { ($0.0, $0.2) }
        var lines: [String] = []
        if samples.count >= 2, let first = samples.first, first.0 < now {
            let hours = now.timeIntervalSince(first.0) / 3600
            let drop = Double(first.1) - Double(usage.free)
            if drop > 0 && hours > 0 {
                let perDay = drop / hours * 24
                lines.append("Free space fell by \(ByteSize.format(UInt64(drop))) in \(String(format: "%.0f", hours)) h (\(ByteSize.format(UInt64(perDay))) per day)"
                             + (perDay > 0 ? String(format: "; at this rate full in %.1f days.", Double(usage.free) / perDay) : "."))
            }
        }
        let picture = try DiskPlot.png(title: "Free space on \(p.displayName)", samples: samples, threshold: limit, now: now)
        let file = p.displayName.replacingOccurrences(of: "/", with: "_").trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        return Notice(key: key, source: .disk,
                      title: "Disk \(p.displayName): only \(ByteSize.format(usage.free)) free (\(Self.percent(usage))), below \(p.threshold)",
                      lines: lines, fields: fields(p, usage, limit: limit),
                      attachments: [NoticeAttachment(filename: "disk_\(file.isEmpty ? "root" : file)_free.png",
                                                     title: "Free space on \(p.displayName), last \(Int(config.plotDays)) days", data: picture)],
                      occurredAt: now)
    }

    func fields(_ p: DiskPathConfig, _ u: DiskUsage, limit: UInt64) -> [NoticeField] {
        [NoticeField("Path", p.path), NoticeField("Free", "\(ByteSize.format(u.free)) (\(Self.percent(u)))"),
         NoticeField("Used", ByteSize.format(u.used)), NoticeField("Size", ByteSize.format(u.total)),
         NoticeField("Threshold", p.threshold.description + (p.threshold == .bytes(limit) ? "" : " = \(ByteSize.format(limit))"))]
    }

    static func percent(_ u: DiskUsage) -> String { String(format: "%.1f %%", u.freePercent) }
}
