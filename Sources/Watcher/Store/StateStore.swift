import Foundation
import GRDB

/// The Watcher's SQLite state database: configuration, followed projects, the last known state of every job,
/// the outbox of messages and the history of runs. WAL mode, one transaction per change; files are created
/// readable by the user only (mode 0600), because the Slack token is kept here.
public final class StateStore {
    /// Path of the database file.
    public let path: String
    /// The GRDB connection pool (WAL: readers never wait for the run that writes).
    public let pool: DatabasePool

    /// The default database: `$XDG_DATA_HOME/emtools/watcher.sqlite`, else `~/.local/share/emtools/watcher.sqlite`.
    public static var defaultPath: String {
        let env = ProcessInfo.processInfo.environment
        let base: String
        if let x = env["XDG_DATA_HOME"], x.hasPrefix("/") { base = x } else {
            base = (env["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return base + "/emtools/watcher.sqlite"
    }

    /// Open (creating if needed) the database at `path` and bring its tables up to date.
    /// - Throws: `WatcherError.database` with one line naming the file: not a database, unwritable, …
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        let fm = FileManager.default
        if !dir.isEmpty, !fm.fileExists(atPath: dir) {
            var made = dir.hasPrefix("/") ? "" : "."
            for part in dir.split(separator: "/") {
                made += "/" + part
                if mkdir(made, 0o700) != 0 && errno != EEXIST {
                    throw WatcherError.database(path: path, problem: "cannot create its folder \(made): \(String(cString: strerror(errno)))")
                }
            }
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw WatcherError.database(path: path, problem: "is a folder, not a database file")
        }
        if fm.fileExists(atPath: path), access(path, R_OK) != 0 {
            throw WatcherError.database(path: path, problem: "cannot be read (permission denied)")
        }
        if fm.fileExists(atPath: path), access(path, W_OK) != 0 {
            throw WatcherError.database(path: path, problem: "cannot be written (read-only file); fix its permissions or use --db")
        }
        if !fm.fileExists(atPath: path), access(dir.isEmpty ? "." : dir, W_OK) != 0 {
            throw WatcherError.database(path: path, problem: "cannot be created: folder \(dir) is not writable; use --db")
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        let old = umask(0o077)
        defer { umask(old) }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try StateStore.migrator.migrate(pool)
        } catch let e as DatabaseError {
            throw WatcherError.database(path: path, problem: StateStore.explain(e))
        } catch let e as WatcherError {
            throw e
        } catch {
            throw WatcherError.database(path: path, problem: "\(error)")
        }
        chmod(path, 0o600)
    }

    /// A one-line explanation of a SQLite error for the user.
    static func explain(_ e: DatabaseError) -> String {
        switch e.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return "is not a SQLite database or is damaged (\(e.message ?? "corrupt")); move it away and run `emwatch init` again"
        case .SQLITE_READONLY: return "cannot be written (read-only); fix its permissions or use --db"
        case .SQLITE_CANTOPEN: return "cannot be opened (\(e.message ?? "unable to open")); check the folder's permissions or use --db"
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "is busy (another program holds it); try again"
        default: return e.message ?? "\(e.resultCode)"
        }
    }

    /// Run `body` in a write transaction, turning SQLite errors into `WatcherError.database`.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as DatabaseError {
            throw WatcherError.database(path: path, problem: StateStore.explain(e))
        }
    }

    /// Read in a snapshot, turning SQLite errors into `WatcherError.database`.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as DatabaseError {
            throw WatcherError.database(path: path, problem: StateStore.explain(e))
        }
    }
}
