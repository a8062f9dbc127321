import Foundation

/// Slurm through `squeue` and `sacct`.
///
/// - Listing: `squeue -h -t all -O <fields>` with an explicit field list and a separator that never appears
///   in names (ASCII unit separator), or `squeue --json` (22.05–23.02: `job_state` a string; 23.11+:
///   `job_state` a list and times as `{set, infinite, number}`), see `SlurmJSON`. `-t all` shows finished jobs
///   for `MinJobAge` seconds after they end.
/// - Completion records: `sacct -X -P` (needs slurmdbd), or `sacct -c` (the `jobcomp/filetxt` job-completion
///   file) where accounting storage is disabled; `.auto` tries the first and falls back to the second.
public struct SlurmQueue: QueueBackend {
    /// How jobs are listed.
    public enum Listing: String, Codable, Sendable { case format, json }
    /// Where completion records come from.
    public enum Accounting: String, Codable, Sendable { case auto, sacct, jobcomp, none }

    /// Runs `squeue` and `sacct` with a timeout and extra environment (`SLURM_CONF`).
    public var command: SchedulerCommand
    /// `squeue -O` or `squeue --json`.
    public var listing: Listing
    /// Where completion records come from.
    public var accounting: Accounting
    public var scheduler: SchedulerKind { .slurm }

    public init(command: SchedulerCommand = SchedulerCommand(), listing: Listing = .format, accounting: Accounting = .auto) {
        self.command = command; self.listing = listing; self.accounting = accounting
    }

    /// The separator between fields of `squeue -O` and `sacct` output.
    static let separator = "\u{1F}"

    /// `squeue -O` fields, in the order `parseSqueue` reads them.
    static let squeueFields = ["JobArrayID", "UserName", "Partition", "State", "Reason", "SubmitTime", "StartTime",
                               "EndTime", "TimeLimit", "TimeUsed", "NodeList", "Name", "WorkDir"]
    /// `sacct -o` fields, in the order `parseSacct` reads them.
    static let sacctFields = ["JobID", "User", "Partition", "State", "ExitCode", "Submit", "Start", "End", "Timelimit",
                              "Elapsed", "NodeList", "JobName", "WorkDir"]

    /// The `squeue` arguments for `filter` (also used by tests and docs).
    public func squeueArguments(_ filter: QueueFilter) -> [String] {
        var args = ["-h", "-t", "all"]
        if !filter.users.isEmpty { args += ["-u", filter.users.joined(separator: ",")] }
        if !filter.partitions.isEmpty { args += ["-p", filter.partitions.joined(separator: ",")] }
        switch listing {
        case .format: args += ["-O", Self.squeueFields.map { "\($0):0\(Self.separator)" }.joined(separator: ",")]
        case .json: args = ["--json"] + args.filter { $0 != "-h" }
        }
        return args
    }

    public func listJobs(_ filter: QueueFilter) async throws -> [QueueJob] {
        let out = try await command.run("squeue", squeueArguments(filter))
        let jobs: [QueueJob]
        switch listing {
        case .format: jobs = try Self.parseSqueue(out)
        case .json: jobs = try SlurmJSON.parse(Data(out.utf8))
        }
        return jobs.filter(filter.admits)
    }

    public func finishedJobs(ids: [String]) async throws -> [QueueJob] {
        guard !ids.isEmpty else { return [] }
        return try await sacct(["-j", ids.joined(separator: ",")])
    }

    /// `sacct -S <since> -E now` for the filter's users (all users when it names none) and partitions; only
    /// jobs in a final state are returned.
    public func finishedJobs(since: Date, filter: QueueFilter) async throws -> [QueueJob] {
        var args = ["-S", SchedulerTime.isoLocalString(since), "-E", "now"]
        args += filter.users.isEmpty ? ["-a"] : ["-u", filter.users.joined(separator: ",")]
        if !filter.partitions.isEmpty { args += ["-r", filter.partitions.joined(separator: ",")] }
        return try await sacct(args).filter { $0.state.isFinal && filter.admits($0) }
    }

    /// `sacct` in the configured accounting mode, with the fixed field list and `selection` appended.
    private func sacct(_ selection: [String]) async throws -> [QueueJob] {
        guard accounting != .none else { return [] }
        let base = ["-X", "-P", "-n", "--delimiter=\(Self.separator)", "-o", Self.sacctFields.joined(separator: ",")] + selection
        switch accounting {
        case .sacct: return try Self.parseSacct(try await command.run("sacct", base))
        case .jobcomp: return try Self.parseSacct(try await command.run("sacct", ["-c"] + base))
        case .auto:
            let out = try await command.output("sacct", base)
            if out.exitStatus == 0 { return try Self.parseSacct(out.stdout) }
            // No slurmdbd ("Slurm accounting storage is disabled"): read the job-completion file instead.
            return try Self.parseSacct(try await command.run("sacct", ["-c"] + base))
        case .none: return []
        }
    }

    /// Jobs of `squeue -h -O` output with `squeueFields`, each field followed by `separator`.
    /// - Throws: `QueueError.unreadableOutput` for a line with the wrong number of fields.
    public static func parseSqueue(_ text: String) throws -> [QueueJob] {
        var jobs: [QueueJob] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            var f = line.components(separatedBy: separator)
            if f.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { f.removeLast() }
            guard f.count == squeueFields.count else {
                throw QueueError.unreadableOutput(command: "squeue", problem: "expected \(squeueFields.count) fields, got \(f.count) in \"\(line.prefix(120))\"")
            }
            f = f.map { $0.trimmingCharacters(in: .whitespaces) }
            let state = QueueJobState.slurm(f[3])
            let reason = f[4] == "None" || f[4].isEmpty ? nil : f[4]
            jobs.append(QueueJob(id: QueueJob.stableArrayID(f[0]), name: f[11], user: f[1], partition: f[2], state: state,
                                 rawState: f[3], reason: reason, submitTime: SchedulerTime.isoLocal(f[5]),
                                 startTime: state == .pending ? nil : SchedulerTime.isoLocal(f[6]),
                                 endTime: state.isFinal ? SchedulerTime.isoLocal(f[7]) : nil,
                                 timeLimit: QueueDuration.parse(f[8]), elapsed: QueueDuration.parse(f[9], bareMinutes: false),
                                 workDir: f[12].isEmpty ? nil : f[12], nodes: f[10].isEmpty ? nil : f[10]))
        }
        return jobs
    }

    /// Jobs of `sacct -X -P -n --delimiter=<separator> -o <sacctFields>` output (plain or `-c`).
    /// `User` may be `name(uid)` (job-completion file); `ExitCode` is `code:signal`.
    public static func parseSacct(_ text: String) throws -> [QueueJob] {
        var jobs: [QueueJob] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let f = line.components(separatedBy: separator)
            guard f.count == sacctFields.count else {
                throw QueueError.unreadableOutput(command: "sacct", problem: "expected \(sacctFields.count) fields, got \(f.count) in \"\(line.prefix(120))\"")
            }
            var user = f[1]
            if let paren = user.firstIndex(of: "(") { user = String(user[..<paren]) }
            let state = QueueJobState.slurm(f[3])
            let codes = f[4].split(separator: ":").map { Int($0) }
            let exit = codes.first ?? nil
            let signal = codes.count > 1 ? codes[1] : nil
            jobs.append(QueueJob(id: f[0], name: f[11], user: user, partition: f[2], state: state, rawState: f[3],
                                 exitCode: state.isFinal ? exit : nil, signal: signal == 0 ? nil : signal,
                                 submitTime: SchedulerTime.isoLocal(f[5]), startTime: SchedulerTime.isoLocal(f[6]),
                                 endTime: SchedulerTime.isoLocal(f[7]), timeLimit: QueueDuration.parse(f[8]),
                                 elapsed: QueueDuration.parse(f[9], bareMinutes: false),
                                 workDir: f[12].isEmpty ? nil : f[12], nodes: f[10].isEmpty || f[10] == "None assigned" || f[10] == "(null)" ? nil : f[10]))
        }
        return jobs
    }
}
