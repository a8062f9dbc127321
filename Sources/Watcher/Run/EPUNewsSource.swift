import Foundation
import GRDB

/// The EPU sessions under the frames roots of `emwatch epu add` as a news source of the run (start, stall,
/// resume, end). An unreadable root or session folder is one line in `problems`.
public final class EPUNewsSource: NewsSource {
    /// The frames roots and minutes.
    public let watch: EPUWatch
    public private(set) var problems: [String] = []

    public init(watch: EPUWatch) { self.watch = watch }

    public var name: String { "epu" }

    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        EPUWatch.registerMigrations(&migrator)
    }

    /// None when the run is limited to some RELION projects (`run --project`, e.g. `run --baseline --project
    /// NEW` after adding a project must not silence this source's news).
    public static func configured(in db: Database, context: PollContext) throws -> [any NewsSource] {
        guard context.projectFilter.isEmpty else { return [] }
        let config = try EPUWatch.config(db)
        return config.roots.isEmpty ? [] : [EPUNewsSource(watch: EPUWatch(config: config))]
    }

    public func poll(_ db: Database, context: PollContext) throws -> [Notice] {
        problems = []
        return try watch.poll(db, now: context.now, problems: &problems)
    }
}
