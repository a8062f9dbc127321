import Foundation
import GRDB

/// The last known state of one job of a followed project (`relion_job` table).
public struct RelionJobRecord: Codable, FetchableRecord, PersistableRecord, Equatable, Sendable {
    public static let databaseTableName = "relion_job"
    public var projectId: Int64
    /// `Refine3D/job012/`.
    public var name: String
    public var alias: String?
    public var typeLabel: String
    public var state: JobState
    /// File time of the marker that gave `state` (nil when it came from the pipeline).
    public var stateSince: Date?
    /// Modification time (ns since 1970) of the job folder when `state` was read.
    public var folderMtime: Int64?
    /// When the folder was last read (ns since 1970); a folder changed less than two seconds before this is
    /// read again next time, in case the file system's clock granularity hid a second change.
    public var checkedAt: Int64
    /// Number of state changes seen; part of each Notice key, so a job run again has new keys.
    public var seq: Int
}

extension RelionProjectSource {
    /// Tables of the RELION source.
    public static func registerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("relion-v1") { db in
            try db.create(table: "relion_job") { t in
                t.column("projectId", .integer).notNull().references("project", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("alias", .text)
                t.column("typeLabel", .text).notNull()
                t.column("state", .text).notNull()
                t.column("stateSince", .datetime)
                t.column("folderMtime", .integer)
                t.column("checkedAt", .integer).notNull()
                t.column("seq", .integer).notNull()
                t.primaryKey(["projectId", "name"])
            }
        }
    }
}
