import Foundation

/// PBS Professional / OpenPBS through `qstat -f -F json` (current jobs) and `qstat -x -f -F json ID…`
/// (finished jobs kept by the server's job history).
///
/// The JSON has `"Jobs": {"1234.server": {…}}` with `Job_Name`, `Job_Owner` (`user@host`), `job_state` (one
/// letter: `Q` queued, `H` held, `W` waiting, `T`/`M` moving, `R` running, `E` exiting, `S`/`U` suspended,
/// `F`/`X` finished), `queue`, `ctime`/`stime`/`obittime` (ctime style), `Resource_List.walltime`,
/// `resources_used.walltime`, `Exit_status` (0 success; negative PBS codes: −29 walltime, −27 memory, −25 CPUs;
/// 256 + N killed by signal N), `comment`, `exec_host` and `Variable_List.PBS_O_WORKDIR`.
public struct PBSQueue: QueueBackend {
    /// Runs `qstat` with a timeout.
    public var command: SchedulerCommand
    public var scheduler: SchedulerKind { .pbs }
    public init(command: SchedulerCommand = SchedulerCommand()) { self.command = command }

    public func listJobs(_ filter: QueueFilter) async throws -> [QueueJob] {
        let out = try await command.run("qstat", ["-f", "-F", "json"])
        return try Self.parse(Data(out.utf8)).filter(filter.admits)
    }

    public func finishedJobs(ids: [String]) async throws -> [QueueJob] {
        guard !ids.isEmpty else { return [] }
        let out = try await command.output("qstat", ["-x", "-f", "-F", "json"] + ids)
        // Unknown ids are reported on stderr ("qstat: Unknown Job Id …") with a non-zero status; the others
        // are still printed.
        if out.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            if out.exitStatus == 0 || out.stderr.contains("Unknown Job Id") || out.stderr.contains("Job has finished") { return [] }
            throw QueueError.failed(command: "qstat -x -f -F json", status: out.exitStatus.map { "exit status \($0)" } ?? "killed",
                                    message: SchedulerCommand.firstLine(out.stderr))
        }
        return try Self.parse(Data(out.stdout.utf8)).filter { $0.state.isFinal }
    }

    /// Jobs of `qstat -f -F json` output.
    /// - Throws: `QueueError.unreadableOutput` when it is not JSON.
    public static func parse(_ data: Data) throws -> [QueueJob] {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw QueueError.unreadableOutput(command: "qstat -f -F json", problem: "not JSON (\(data.count) bytes)")
        }
        guard let jobs = top["Jobs"] as? [String: Any] else { return [] }  // no jobs: the key is absent
        return jobs.compactMap { id, value in
            guard let j = value as? [String: Any] else { return nil }
            return job(id: id, j)
        }.sorted { $0.id.compare($1.id, options: .numeric) == .orderedAscending }
    }

    static func job(id: String, _ j: [String: Any]) -> QueueJob {
        let letter = j["job_state"] as? String ?? ""
        let comment = j["comment"] as? String
        let exit = (j["Exit_status"] as? Int) ?? (j["Exit_status"] as? String).flatMap { Int($0) }
        var state: QueueJobState
        var reason: String? = nil
        switch letter {
        case "Q", "T", "M": state = .pending
        case "H": state = .pending; reason = "held"
        case "W": state = .pending; reason = "waiting for its start time"
        case "R", "B": state = .running
        case "E": state = .completing
        case "S", "U": state = .suspended
        case "F", "X": state = ending(exit: exit, comment: comment)
        default: state = .unknown
        }
        if state == .pending, reason == nil, let c = comment, c.hasPrefix("Not Running") { reason = c }
        if state.isFinal, state != .completed { reason = comment }
        var code: Int? = nil, signal: Int? = nil
        if state.isFinal, let e = exit {
            if e >= 256 { signal = e - 256 } else if e > 128 { signal = e - 128; code = e } else { code = e }
        }
        let owner = (j["Job_Owner"] as? String ?? "").split(separator: "@").first.map(String.init) ?? ""
        let limits = j["Resource_List"] as? [String: Any]
        let used = j["resources_used"] as? [String: Any]
        let vars = j["Variable_List"] as? [String: Any]
        let start = (j["stime"] as? String).flatMap(SchedulerTime.ctime)
        return QueueJob(id: id, name: j["Job_Name"] as? String ?? "", user: owner, partition: j["queue"] as? String ?? "",
                        state: state, rawState: letter, reason: reason, exitCode: code, signal: signal,
                        submitTime: (j["ctime"] as? String).flatMap(SchedulerTime.ctime),
                        startTime: state == .pending ? nil : start,
                        endTime: state.isFinal ? (j["obittime"] as? String ?? j["mtime"] as? String).flatMap(SchedulerTime.ctime) : nil,
                        timeLimit: (limits?["walltime"] as? String).flatMap { QueueDuration.parse($0, bareMinutes: false) },
                        elapsed: (used?["walltime"] as? String).flatMap { QueueDuration.parse($0, bareMinutes: false) },
                        workDir: vars?["PBS_O_WORKDIR"] as? String ?? j["jobdir"] as? String,
                        nodes: (j["exec_host"] as? String).map { host in
                            host.split(separator: "+").map { $0.split(separator: "/").first.map(String.init) ?? "" }.joined(separator: ",")
                        })
    }

    /// The ending of a finished job from `Exit_status` and `comment`.
    static func ending(exit: Int?, comment: String?) -> QueueJobState {
        let c = (comment ?? "").lowercased()
        guard let e = exit else { return .cancelled }  // deleted before it ran: no exit status
        if e == -29 || (c.contains("walltime") && c.contains("exceed")) { return .timeout }
        if e == -27 || e == -26 || (c.contains("mem") && c.contains("exceed")) { return .outOfMemory }
        if e == 0 { return .completed }
        if e == 271 || e == 265 || c.contains("deleted") || c.contains("qdel") { return .cancelled }
        return .failed
    }
}
