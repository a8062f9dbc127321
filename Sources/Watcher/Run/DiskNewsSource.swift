import Foundation
import GRDB

/// Free disk space as a news source of the run: the paths of `emwatch disk add`, plus the folder of every
/// followed RELION project with the projects' threshold (default 5 % free; `emwatch disk projects
/// --min-free off` turns it off). Paths on one filesystem are checked once, under the first one's name, and
/// explicitly added paths come first. A path whose free space cannot be read is one line in `problems`.
public final class DiskNewsSource: NewsSource {
    /// The paths and thresholds of this run (configured paths, then project folders).
    public let watch: DiskWatch
    public private(set) var problems: [String] = []

    public init(watch: DiskWatch) { self.watch = watch }

    public var name: String { "disk" }

    /// Key in the `config` table holding the projects' threshold (`5%`, `200G`, or `off`).
    public static let projectThresholdKey = "diskProjectsMinFree"
    /// The projects' threshold when none was set.
    public static let defaultProjectThreshold = "5%"

    /// The threshold applied to each followed project's folder, or nil when turned off.
    public static func projectThreshold(_ db: Database) throws -> DiskThreshold? {
        let text = try String.fetchOne(db, sql: "SELECT value FROM config WHERE key = ?", arguments: [projectThresholdKey])
            ?? defaultProjectThreshold
        return text == "off" ? nil : try DiskThreshold(text)
    }

    /// Set the projects' threshold (`off` turns it off); the text is checked first.
    public static func setProjectThreshold(_ db: Database, _ text: String) throws {
        if text != "off" { _ = try DiskThreshold(text) }
        try db.execute(sql: "INSERT OR REPLACE INTO config(key, value) VALUES (?, ?)", arguments: [projectThresholdKey, text])
    }

    /// The configured paths followed by the project folders (not already listed) with the projects' threshold.
    public static func effectiveConfig(_ db: Database) throws -> DiskWatchConfig {
        var config = try DiskWatch.config(db)
        if let t = try projectThreshold(db) {
            let listed = Set(config.paths.map(\.path))
            for p in try ProjectRecord.order(Column("name")).fetchAll(db) where !listed.contains(p.path) {
                config.paths.append(DiskPathConfig(path: p.path, label: "\(p.path) (project \(p.name))", threshold: t))
            }
        }
        return config
    }

    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        DiskWatch.registerMigrations(&migrator)
    }

    /// None when the run is limited to some RELION projects (`run --project`, e.g. `run --baseline --project
    /// NEW` after adding a project must not silence this source's news).
    public static func configured(in db: Database, context: PollContext) throws -> [any NewsSource] {
        guard context.projectFilter.isEmpty else { return [] }
        let config = try effectiveConfig(db)
        return config.paths.isEmpty ? [] : [DiskNewsSource(watch: DiskWatch(config: config))]
    }

    public func poll(_ db: Database, context: PollContext) throws -> [Notice] {
        problems = []
        return try watch.poll(db, now: context.now, problems: &problems)
    }
}
