import ArgumentParser
import Foundation
import Watcher

/// `emwatch disk add|list|remove|projects`: free space followed.
struct DiskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disk",
        abstract: "Add, list or remove the paths whose free space is followed.",
        discussion: """
            Every followed RELION project's folder is also checked, with the projects' threshold (default 5% free):
            emwatch disk projects --min-free 10% · emwatch disk projects --min-free off
            """,
        subcommands: [Add.self, List.self, Remove.self, Projects.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Warn when free space on PATH drops under a threshold (and when it recovers).",
            discussion: "Examples: emwatch disk add /data --min-free 500G · emwatch disk add /scratch --min-free 10% --label scratch"
        )
        @OptionGroup var db: DatabaseOption
        @Argument(help: "A path on the filesystem to follow.") var path: String
        @Option(help: "Least free space: a size (500G, 2T, 1.5Ti) or a percentage of the filesystem (10%).") var minFree: String
        @Option(help: "Name shown in messages (default: the path).") var label: String?

        func run() throws {
            try reportingErrors {
                let threshold = try DiskThreshold(minFree)
                let abs = DiskCommand.absolute(path)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: abs, isDirectory: &isDir) else {
                    throw WatcherError.config("\(abs): no such file or folder")
                }
                let usage = try StatvfsSource().usage(of: abs)
                try db.open().write { db in
                    var c = try DiskWatch.config(db)
                    c.paths.removeAll { $0.path == abs }
                    c.paths.append(DiskPathConfig(path: abs, label: label, threshold: threshold))
                    try DiskWatch.saveConfig(db, c)
                }
                print("following free space on \(abs): warn under \(threshold) (now \(ByteSize.format(usage.free)) free of \(ByteSize.format(usage.total)))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the paths followed, with the project folders checked by default.")
        @OptionGroup var db: DatabaseOption
        func run() throws {
            try reportingErrors {
                let (configured, effective, projects) = try db.open().read { db in
                    (try DiskWatch.config(db), try DiskNewsSource.effectiveConfig(db), try DiskNewsSource.projectThreshold(db))
                }
                for p in effective.paths {
                    let kind = configured.paths.contains { $0.path == p.path } ? "added" : "project"
                    print("\(p.path)\t\(kind)\tmin free \(p.threshold)\(p.label.map { "\t\($0)" } ?? "")")
                }
                print("project folders: \(projects.map { "min free \($0)" } ?? "not checked")")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop following free space on a path added with `disk add`.")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The path (see `emwatch disk list`).") var path: String
        func run() throws {
            try reportingErrors {
                let abs = DiskCommand.absolute(path)
                let removed = try db.open().write { db -> Bool in
                    var c = try DiskWatch.config(db)
                    let before = c.paths.count
                    c.paths.removeAll { $0.path == abs || $0.path == path }
                    try DiskWatch.saveConfig(db, c)
                    return c.paths.count < before
                }
                guard removed else { throw WatcherError.config("\(abs) is not followed; see `emwatch disk list`") }
                print("no longer following free space on \(abs)")
            }
        }
    }

    struct Projects: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the free-space threshold checked on every followed project's folder (default 5%).",
            discussion: "Examples: emwatch disk projects --min-free 10% · emwatch disk projects --min-free 1T · emwatch disk projects --min-free off"
        )
        @OptionGroup var db: DatabaseOption
        @Option(help: "A size, a percentage, or off.") var minFree: String
        func run() throws {
            try reportingErrors {
                try db.open().write { db in try DiskNewsSource.setProjectThreshold(db, minFree) }
                print(minFree == "off" ? "project folders: free space not checked" : "project folders: warn under \(minFree) free")
            }
        }
    }

    /// `path` made absolute and without a trailing slash.
    static func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let s = URL(fileURLWithPath: p).standardizedFileURL.path
        return s.count > 1 && s.hasSuffix("/") ? String(s.dropLast()) : s
    }
}
