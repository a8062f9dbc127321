import ArgumentParser
import Foundation
import Watcher

/// `emwatch epu add|list|remove`: frames roots whose EPU sessions are followed.
struct EPUCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epu",
        abstract: "Add, list or remove the frames roots whose EPU sessions are followed.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow the sessions (immediate subfolders) of a frames root: start, stall, resume, end.",
            discussion: """
                Example: emwatch epu add /data/frames --stall-minutes 30 --end-minutes 180
                The minutes apply to every root (the last `epu add` sets them). The first run records the
                sessions already there without reporting them.
                """
        )
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The frames root.") var root: String
        @Option(help: "Minutes without a new movie before a session is reported as stalled (default: keep, else 30).") var stallMinutes: Double?
        @Option(help: "Minutes without a new movie before a session ends with its summary (default: keep, else 180).") var endMinutes: Double?

        func validate() throws {
            if let s = stallMinutes, s <= 0 { throw ValidationError("--stall-minutes must be positive") }
            if let e = endMinutes, e <= 0 { throw ValidationError("--end-minutes must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let abs = DiskCommand.absolute(root)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: abs, isDirectory: &isDir), isDir.boolValue else {
                    throw WatcherError.config("\(abs): no such folder")
                }
                let c = try db.open().write { db -> EPUWatchConfig in
                    let old = try EPUWatch.config(db)
                    var c = EPUWatchConfig(roots: old.roots.filter { $0 != abs } + [abs], stallMinutes: stallMinutes ?? old.stallMinutes,
                                           endMinutes: endMinutes ?? old.endMinutes)
                    if c.endMinutes < c.stallMinutes { c.endMinutes = c.stallMinutes }
                    try EPUWatch.saveConfig(db, c)
                    return c
                }
                print("following EPU sessions in \(abs): stalled after \(Int(c.stallMinutes)) min, ended after \(Int(c.endMinutes)) min without a new movie")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the frames roots followed.")
        @OptionGroup var db: DatabaseOption
        func run() throws {
            try reportingErrors {
                let c = try db.open().read { db in try EPUWatch.config(db) }
                if c.roots.isEmpty { print("no frames roots followed; add one with `emwatch epu add FRAMES_ROOT`"); return }
                for r in c.roots { print("\(r)\tstall \(Int(c.stallMinutes)) min\tend \(Int(c.endMinutes)) min") }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop following a frames root.")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The frames root (see `emwatch epu list`).") var root: String
        func run() throws {
            try reportingErrors {
                let abs = DiskCommand.absolute(root)
                let removed = try db.open().write { db -> Bool in
                    var c = try EPUWatch.config(db)
                    let before = c.roots.count
                    c.roots.removeAll { $0 == abs || $0 == root }
                    try EPUWatch.saveConfig(db, c)
                    return c.roots.count < before
                }
                guard removed else { throw WatcherError.config("\(abs) is not followed; see `emwatch epu list`") }
                print("no longer following EPU sessions in \(abs)")
            }
        }
    }
}
