import Foundation
import GRDB

/// The followed projects: adding (checked), listing, removing.
public enum Projects {
    /// A project as `project list` shows it.
    public struct Listing: Sendable {
        public var name: String
        public var path: String
        public var jobs: Int
        public var lastError: String?
    }

    /// Follow the RELION project in `path` as `name` (default: the folder's name). Returns the project and
    /// the number of jobs its pipeline lists.
    /// - Throws: `WatcherError.project` when the folder has no readable `default_pipeline.star`, or the name
    ///   or the path is already followed.
    public static func add(_ store: StateStore, path: String, name: String?, now: Date = Date()) throws -> (ProjectRecord, Int) {
        let abs = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.resolvingSymlinksInPath().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: abs, isDirectory: &isDir), isDir.boolValue else {
            throw WatcherError.project("\(abs): no such folder")
        }
        let pipeline = abs + "/default_pipeline.star"
        guard FileManager.default.isReadableFile(atPath: pipeline) else {
            throw WatcherError.project("\(abs): no readable default_pipeline.star; is this a RELION project folder?")
        }
        let jobs = try Pipeline.read(pipeline)
        let n = name ?? (abs as NSString).lastPathComponent
        guard !n.isEmpty, !n.contains("/"), !n.contains(where: \.isWhitespace) else {
            throw WatcherError.project("project name \"\(n)\" must be one word without / or spaces")
        }
        let p = try store.write { d -> ProjectRecord in
            if let other = try ProjectRecord.filter(Column("name") == n).fetchOne(d) {
                throw WatcherError.project("a project named \(n) already exists (\(other.path)); choose another with --name")
            }
            if let other = try ProjectRecord.filter(Column("path") == abs).fetchOne(d) {
                throw WatcherError.project("\(abs) is already followed as \(other.name)")
            }
            var p = ProjectRecord(name: n, path: abs, addedAt: now)
            try p.insert(d)
            return p
        }
        return (p, jobs.count)
    }

    /// Every followed project with its number of known jobs, by name.
    public static func list(_ store: StateStore) throws -> [Listing] {
        try store.read { d in
            try Row.fetchAll(d, sql: """
                SELECT p.name, p.path, p.lastError, COUNT(j.name) AS jobs FROM project p
                LEFT JOIN relion_job j ON j.projectId = p.id GROUP BY p.id ORDER BY p.name
                """).map { Listing(name: $0["name"], path: $0["path"], jobs: $0["jobs"], lastError: $0["lastError"]) }
        }
    }

    /// Stop following `name`; its job states are dropped, its queued messages stay in the outbox.
    public static func remove(_ store: StateStore, name: String) throws {
        let removed = try store.write { d in try ProjectRecord.filter(Column("name") == name).deleteAll(d) }
        guard removed > 0 else { throw WatcherError.project("no project named \(name); see `emwatch project list`") }
    }
}
