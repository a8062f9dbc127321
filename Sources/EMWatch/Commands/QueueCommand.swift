import ArgumentParser
import Foundation
import Watcher

extension SchedulerKind: ExpressibleByArgument {}

/// `emwatch queue add|list|remove`: the batch schedulers followed.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Add, list or remove the batch queues (Slurm, SGE, PBS, LSF) followed.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a scheduler's jobs (default: the current user's, every partition).",
            discussion: """
                Examples: emwatch queue add slurm · emwatch queue add slurm --user alice --user bob --partition gpu
                emwatch queue add sge --name sge-facility --user '*'
                The first run records the queue without reporting the jobs already there.
                """
        )
        @OptionGroup var db: DatabaseOption
        @Argument(help: "slurm, sge, pbs or lsf.") var scheduler: SchedulerKind
        @Option(name: .customLong("user"), help: "A user whose jobs to follow (repeatable; '*' for everyone; default: you).")
        var users: [String] = []
        @Option(name: .customLong("partition"), help: "A partition or queue to follow (repeatable; default: all).")
        var partitions: [String] = []
        @Option(help: "Unique name of this source (default: the scheduler's).") var name: String?
        @Option(help: "Seconds each scheduler command may take.") var timeout: Double = 60
        @Option(help: "Minutes pending before a message (once per job).") var pendingMinutes: Double = 60
        @Option(name: .customLong("env"), help: "Extra environment for the commands, NAME=VALUE (repeatable), e.g. SLURM_CONF=/etc/slurm/slurm.conf.")
        var environment: [String] = []
        @Flag(help: "Slurm: list with `squeue --json` instead of `squeue -O`.") var json = false
        @Option(help: "Slurm: completion records from auto, sacct, jobcomp (sacct -c) or none.") var accounting: String = "auto"

        func validate() throws {
            if timeout <= 0 { throw ValidationError("--timeout must be positive") }
            if pendingMinutes < 0 { throw ValidationError("--pending-minutes must not be negative") }
            if SlurmQueue.Accounting(rawValue: accounting) == nil { throw ValidationError("--accounting must be auto, sacct, jobcomp or none") }
            for e in environment where !e.contains("=") || e.hasPrefix("=") { throw ValidationError("--env \(e): expected NAME=VALUE") }
            if let n = name, n.isEmpty || n.contains("|") || n.contains(where: \.isWhitespace) {
                throw ValidationError("--name must be non-empty, without spaces or '|'")
            }
        }

        func run() throws {
            try reportingErrors {
                var env: [String: String] = [:]
                for e in environment {
                    let parts = e.split(separator: "=", maxSplits: 1).map(String.init)
                    env[parts[0]] = parts.count > 1 ? parts[1] : ""
                }
                let config = QueueSourceConfig(name: name, scheduler: scheduler, users: users, partitions: partitions,
                                               timeoutSeconds: timeout, environment: env, pendingNoticeMinutes: pendingMinutes,
                                               slurmListing: json ? .json : .format,
                                               slurmAccounting: SlurmQueue.Accounting(rawValue: accounting) ?? .auto)
                let store = try db.open()
                let replaced = try store.write { db -> Bool in
                    let had = try QueueWatch.sources(db).contains { $0.name == config.name }
                    try QueueWatch.saveSource(db, config)
                    return had
                }
                print("\(replaced ? "updated" : "following") queue \(config.name): \(QueueCommand.describe(config))")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the queues followed.")
        @OptionGroup var db: DatabaseOption
        func run() throws {
            try reportingErrors {
                let rows = try db.open().read { db in try QueueWatch.sources(db) }
                if rows.isEmpty { print("no queues followed; add one with `emwatch queue add slurm`"); return }
                for r in rows { print("\(r.name)\t\(QueueCommand.describe(r))") }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop following a queue (its job history is dropped; queued messages still go out).")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The source's name (see `emwatch queue list`).") var name: String
        func run() throws {
            try reportingErrors {
                guard try db.open().write({ db in try QueueWatch.removeSource(db, name: name) }) else {
                    throw WatcherError.config("no queue named \(name); see `emwatch queue list`")
                }
                print("no longer following queue \(name)")
            }
        }
    }

    /// `slurm, users alice, bob, partitions gpu, timeout 60 s`.
    static func describe(_ c: QueueSourceConfig) -> String {
        let users = c.users.isEmpty ? "users \(QueueSourceConfig.currentUser) (you)" : c.users == ["*"] ? "all users" : "users \(c.users.joined(separator: ", "))"
        let parts = c.partitions.isEmpty ? "all partitions" : "partitions \(c.partitions.joined(separator: ", "))"
        var s = "\(c.scheduler.rawValue), \(users), \(parts), timeout \(Int(c.timeoutSeconds)) s, pending message after \(Int(c.pendingNoticeMinutes)) min"
        if c.scheduler == .slurm { s += ", listing \(c.slurmListing.rawValue), accounting \(c.slurmAccounting.rawValue)" }
        if !c.environment.isEmpty { s += ", env " + c.environment.keys.sorted().map { "\($0)=\(c.environment[$0]!)" }.joined(separator: " ") }
        return s
    }
}
